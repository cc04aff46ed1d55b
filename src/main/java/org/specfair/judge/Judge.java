package org.specfair.judge;

import java.util.List;

/** Labels a batch of statements; one verdict per statement, in order. Judges never throw for one bad statement. */
public interface Judge {
    List<Verdict> judge(List<Statement> batch);
}
