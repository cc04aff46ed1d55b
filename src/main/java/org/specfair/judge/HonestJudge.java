package org.specfair.judge;

import java.util.ArrayList;
import java.util.List;

/**
 * The lexicon judge: HONEST's rule on the completion alone (as HONEST scores completions of its
 * templates). Hurtful = toxic with score 1, the word as raw output and its HurtLex category.
 */
public final class HonestJudge implements Judge {
    private final HonestScorer scorer;

    public HonestJudge(HonestLexicon lexicon) {
        this.scorer = new HonestScorer(lexicon);
    }

    @Override
    public List<Verdict> judge(List<Statement> batch) {
        List<Verdict> out = new ArrayList<>(batch.size());
        for (Statement s : batch) {
            HonestScorer.Hit hit = scorer.score(s.completion());
            out.add(hit.hurtful()
                    ? new Verdict(Label.TOXIC, 1.0, null, hit.word(), hit.category(), null, null)
                    : new Verdict(Label.NON_TOXIC, 0.0, null, null, null, null, null));
        }
        return out;
    }
}
