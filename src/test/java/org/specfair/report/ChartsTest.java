package org.specfair.report;

import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ChartsTest {
    @Test
    void whiskersSpanTheIntervalNotASymmetricApproximation() {
        // Mean 0.5 with interval [0.3, 0.9]: a symmetric error bar would have drawn 0.2 .. 0.8.
        Charts.Bars stage = new Charts.Bars("base", Arrays.asList(0.5, null), Arrays.asList(0.3, null), Arrays.asList(0.9, null));
        XYChart chart = Charts.groupedBars("t", "group", "ratio", List.of("a", "b"), List.of(stage));
        XYSeries bar = chart.getSeriesMap().get("base");
        assertArrayEquals(new double[] {0, 0.5, 0.5, 0}, bar.getYData());
        XYSeries whisker = chart.getSeriesMap().get("base interval #0");
        assertEquals(0.3, Arrays.stream(whisker.getYData()).min().orElseThrow());
        assertEquals(0.9, Arrays.stream(whisker.getYData()).max().orElseThrow());
        // The whisker stands in the middle of its bar; a missing value draws neither bar nor whisker.
        double[] x = bar.getXData();
        assertEquals((x[0] + x[2]) / 2, whisker.getXData()[2], 1e-12);
        assertEquals(2, chart.getSeriesMap().size());
    }

    @Test
    void longGroupNamesAreBrokenAfterUnderscoresIntoLinesThatFitTheirSlot() {
        assertEquals(List.of("female"), Charts.wrap("female", 10), "a short name stays one line");
        assertEquals(List.of("queer_", "gender_", "xenogender"), Charts.wrap("queer_gender_xenogender", 10));
        assertEquals(List.of("queer_gender_xenogender"), Charts.wrap("queer_gender_xenogender", 2), "room for it with two groups");
        assertEquals(List.of("nonqueer_", "orientation"), Charts.wrap("nonqueer_orientation", 10), "a part longer than the room is not cut");
    }
}
