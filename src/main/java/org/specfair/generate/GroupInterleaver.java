package org.specfair.generate;

import org.specfair.prompts.Prompt;


import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Orders prompts so that every contiguous slice holds the demographic groups in proportion: the
 * first prompt of each group, then the second of each, and so on. Spark's parallelize cuts the
 * list into contiguous slices, so each task gets an even mix of groups (no task is all "queer" or
 * all "male", which would make per-group progress and failures lopsided).
 */
final class GroupInterleaver {
    private GroupInterleaver() {}

    static List<Prompt> interleave(List<Prompt> prompts) {
        Map<String, List<Prompt>> byGroup = new TreeMap<>();
        for (Prompt p : prompts) {
            byGroup.computeIfAbsent(p.group() == null ? "" : p.group(), g -> new ArrayList<>()).add(p);
        }
        byGroup.values().forEach(l -> l.sort(Comparator.comparing(Prompt::promptId)));
        List<Prompt> out = new ArrayList<>(prompts.size());
        for (int rank = 0; out.size() < prompts.size(); rank++) {
            for (List<Prompt> group : byGroup.values()) {
                if (rank < group.size()) {
                    out.add(group.get(rank));
                }
            }
        }
        return out;
    }
}
