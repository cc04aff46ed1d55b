package org.specfair.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Annotation;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The report's chart kinds (XChart, drawn headless to PNG), one look for all: white background, legend outside. */
final class Charts {
    static final int WIDTH = 1000;
    static final int HEIGHT = 480;

    private Charts() {}

    /**
     * A named series of bar heights over the x categories, with optional interval bounds per bar (null lists, or a
     * null bound: no whisker). Bounds need not be symmetric around the bar: bootstrap and Wilson intervals are not.
     */
    record Bars(String name, List<Double> values, List<Double> lows, List<Double> highs) {}

    /**
     * Grouped bars with true interval whiskers. XChart's category error bars are symmetric (value +- e), so the chart is
     * drawn on numeric axes instead: each bar a filled rectangle in its group's slot, each whisker a capped line from
     * its low to its high bound; category names label the integer x positions. A missing value draws no bar.
     */
    static XYChart groupedBars(String title, String xTitle, String yTitle, List<String> categories, List<Bars> series) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        XYStyler styler = chart.getStyler();
        style(styler);
        styler.setYAxisMin(0.0);  // bars grow from 0
        styler.setXAxisMin(-0.5);
        styler.setXAxisMax(categories.size() - 0.5);
        styler.setPlotGridVerticalLinesVisible(false);
        styler.setXAxisTickMarkSpacingHint(40);  // ticks at every integer at least, so every category is named
        List<List<String>> names = categories.stream().map(c -> wrap(c, categories.size())).toList();
        int lines = names.stream().mapToInt(List::size).max().orElse(1);
        boolean wrapped = lines > 1;
        if (wrapped) {  // XChart's tick labels are one line: the names are drawn under the plot instead
            styler.setAxisTitlePadding(5 + (lines - 1) * 15);
            chart.addAnnotation(new CategoryNames(names));
        }
        styler.setxAxisTickLabelsFormattingFunction(x -> {
            long i = Math.round(x);
            // Between categories an invisible label, a different one per tick: XChart drops ticks whose labels repeat.
            return !wrapped && Math.abs(x - i) < 1e-6 && i >= 0 && i < categories.size() ? categories.get((int) i)
                    : "\u200B".repeat(1 + (int) Math.round((x + 1) * 100));
        });
        styler.setAxisTicksMarksVisible(false);
        styler.setYAxisDecimalPattern("0.0##");

        double slot = 0.8 / Math.max(1, series.size());  // each category spans 0.8 of a unit, one slot per series
        for (int s = 0; s < series.size(); s++) {
            Bars b = series.get(s);
            Color color = PALETTE[s % PALETTE.length];
            boolean inLegend = true;
            for (int c = 0; c < categories.size(); c++) {
                Double v = b.values().get(c);
                if (v == null) {
                    continue;
                }
                double x0 = c - 0.4 + s * slot + 0.08 * slot;
                double x1 = x0 + 0.84 * slot;
                // Legend names must be unique: the first bar carries the series name, the rest are hidden copies.
                XYSeries bar = chart.addSeries(inLegend ? b.name() : b.name() + " #" + c, new double[] {x0, x0, x1, x1}, new double[] {0, v, v, 0});
                bar.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Area);
                bar.setFillColor(color);
                bar.setLineColor(color);
                bar.setMarker(SeriesMarkers.NONE);
                bar.setLineStyle(SeriesLines.SOLID);
                bar.setShowInLegend(inLegend);
                inLegend = false;
                Double low = b.lows() == null ? null : b.lows().get(c);
                Double high = b.highs() == null ? null : b.highs().get(c);
                if (low != null && high != null) {
                    double xm = (x0 + x1) / 2;
                    double cap = 0.2 * slot;
                    // One polyline: low cap, stem, high cap.
                    XYSeries whisker = chart.addSeries(b.name() + " interval #" + c, new double[] {xm - cap, xm + cap, xm, xm, xm - cap, xm + cap},
                            new double[] {low, low, low, high, high, high});
                    whisker.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
                    whisker.setLineColor(Color.DARK_GRAY);
                    whisker.setLineWidth(1.6f);
                    whisker.setMarker(SeriesMarkers.NONE);
                    whisker.setLineStyle(SeriesLines.SOLID);
                    whisker.setShowInLegend(false);
                }
            }
        }
        return chart;
    }

    /**
     * A category's name as the lines it is drawn in. Long group names side by side run into each other (HONEST's
     * "queer_gender_xenogender"), so a name wider than its category's share of the plot (about 7.5 px a character at
     * 12 pt, the plot ~65% of the chart) is broken after underscores into lines that fit.
     */
    static List<String> wrap(String category, int categories) {
        int room = (int) (0.65 * WIDTH / Math.max(1, categories) / 7.5);
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String part : category.split("(?<=_)")) {
            if (line.length() > 0 && line.length() + part.length() > room) {
                lines.add(line.toString());
                line.setLength(0);
            }
            line.append(part);
        }
        lines.add(line.toString());
        return lines;
    }

    /** Category names centred under their x positions, one name per category, several lines each. */
    private static final class CategoryNames extends Annotation {
        private final List<List<String>> names;

        CategoryNames(List<List<String>> names) {
            super(false);
            this.names = names;
        }

        @Override
        public void paint(Graphics2D g) {
            AxesChartStyler axes = (AxesChartStyler) styler;
            // The tick font, smaller where a line would still be wider than its category's slot.
            int slot = names.size() > 1 ? getXAxisScreenValue(1) - getXAxisScreenValue(0) : Integer.MAX_VALUE;
            Font font = axes.getAxisTickLabelsFont();
            while (font.getSize() > 8 && widest(g.getFontMetrics(font)) > slot - 4) {
                font = font.deriveFont((float) font.getSize() - 1);
            }
            g.setFont(font);
            g.setColor(styler.getChartFontColor());
            FontMetrics fm = g.getFontMetrics();
            int top = getYAxisScreenValueForMax() + axes.getAxisTickPadding() + fm.getAscent();  // screen y grows downwards
            for (int c = 0; c < names.size(); c++) {
                int x = getXAxisScreenValue(c);
                List<String> lines = names.get(c);
                for (int j = 0; j < lines.size(); j++) {
                    g.drawString(lines.get(j), x - fm.stringWidth(lines.get(j)) / 2, top + j * fm.getHeight());
                }
            }
        }

        private int widest(FontMetrics fm) {
            return names.stream().flatMap(List::stream).mapToInt(fm::stringWidth).max().orElse(0);
        }
    }

    /** Step-free line histograms: x = bin centre, y = share of the histogram's values; dashed series for "before" sides. */
    record Line(String name, double[] x, double[] y, boolean dashed, Color color) {
        Line(String name, double[] x, double[] y, boolean dashed) {
            this(name, x, y, dashed, null);
        }
    }

    /** Colours by index (matplotlib's tab10): one group keeps its colour across a chart's series. */
    static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
            new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)};

    /** @param histogram x values are bin centres of shared edges: the axis starts at the first bin's lower edge */
    static XYChart lines(String title, String xTitle, String yTitle, List<Line> series, boolean histogram) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        style(chart.getStyler());
        if (histogram && !series.isEmpty() && series.get(0).x().length > 1) {
            chart.getStyler().setXAxisDecimalPattern("#0.0##");
            // Start at the first bin's lower edge (0 for KL, -1 for p - q), not at its centre.
            double[] x = series.get(0).x();
            chart.getStyler().setXAxisMin(x[0] - (x[1] - x[0]) / 2);
        }
        for (Line l : series) {
            XYSeries s = chart.addSeries(l.name(), l.x(), l.y());
            s.setMarker(SeriesMarkers.NONE);
            if (l.dashed()) {
                s.setLineStyle(SeriesLines.DASH_DASH);
            }
            if (l.color() != null) {
                s.setLineColor(l.color());
            }
        }
        return chart;
    }

    /** Rows x columns of counts, each cell annotated with its value. */
    static HeatMapChart heatmap(String title, String xTitle, String yTitle, List<String> columns, List<String> rows, long[][] counts) {
        HeatMapChart chart = new HeatMapChartBuilder().width(WIDTH).height(Math.max(260, 90 + 48 * rows.size()))
                .title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        style(chart.getStyler());
        chart.getStyler().setShowValue(true);
        chart.getStyler().setValueFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        chart.getStyler().setRangeColors(new Color[] {new Color(0xF7FBFF), new Color(0x6BAED6), new Color(0x08519C)});
        chart.getStyler().setLegendVisible(true);
        List<Number[]> cells = new java.util.ArrayList<>();
        long max = 1;
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < columns.size(); c++) {
                cells.add(new Number[] {c, r, counts[r][c]});
                max = Math.max(max, counts[r][c]);
            }
        }
        chart.getStyler().setMin(0);
        chart.getStyler().setMax(max);
        chart.addSeries("samples", columns, rows, cells);
        return chart;
    }

    private static void style(Styler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        s.setAntiAlias(true);
        if (s instanceof org.knowm.xchart.style.AxesChartStyler a) {
            a.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            a.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            a.setPlotGridLinesColor(new Color(0xE0E0E0));
        }
    }

    static void save(Chart<?, ?> chart, Path file) {
        try {
            BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

}
