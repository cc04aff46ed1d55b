package org.specfair.judge;

import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.hash;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;

/**
 * {@code jobs/judge train-classifier}: trains the classifier judge's pipeline on a labelled table,
 * measures it on a held-out share, and saves it with MLlib's writer. The split is by a hash of the
 * text (not {@code randomSplit}), so the same table gives the same split however Spark partitions it,
 * and duplicated texts never sit on both sides.
 */
public final class ClassifierTraining {
    /** Held-out figures at the judge's default threshold (0.5). */
    public record Metrics(long trainRows, long testRows, double auc, double precision, double recall, double accuracy) {
        @Override
        public String toString() {
            return String.format("train %d rows, held-out %d rows: AUC %.3f, precision %.3f, recall %.3f, accuracy %.3f",
                    trainRows, testRows, auc, precision, recall, accuracy);
        }
    }

    private ClassifierTraining() {}

    /**
     * @param testPercent share of rows held out (by text hash), 1..50
     * @param features    hashing or count
     */
    public static Metrics train(SparkSession spark, String data, String textColumn, String labelColumn, String out,
                                String features, int testPercent) {
        if (testPercent < 1 || testPercent > 50) {
            throw new IllegalArgumentException("--test-percent must be in 1..50");
        }
        Dataset<Row> rows = LabelledTexts.read(spark, data, textColumn, labelColumn)
                .withColumn("bucket", pmod(hash(col("text")), lit(100))).cache();
        Dataset<Row> train = rows.filter(col("bucket").geq(testPercent)).drop("bucket");
        Dataset<Row> test = rows.filter(col("bucket").lt(testPercent)).drop("bucket");
        long nTrain = train.count();
        long nTest = test.count();
        if (nTrain == 0 || nTest == 0 || train.select("label").distinct().count() < 2) {
            throw new IllegalArgumentException(data + ": need both labels in the training share and a non-empty held-out share"
                    + " (" + nTrain + " train, " + nTest + " held-out rows)");
        }
        PipelineModel model = ClassifierJudge.pipeline(features, 0).fit(train);
        Dataset<Row> predicted = model.transform(test).cache();
        double auc = new BinaryClassificationEvaluator().setLabelCol("label").setRawPredictionCol("clf_raw")
                .setMetricName("areaUnderROC").evaluate(predicted);
        long tp = predicted.filter(col("clf_prediction").equalTo(1.0).and(col("label").equalTo(1.0))).count();
        long fp = predicted.filter(col("clf_prediction").equalTo(1.0).and(col("label").equalTo(0.0))).count();
        long fn = predicted.filter(col("clf_prediction").equalTo(0.0).and(col("label").equalTo(1.0))).count();
        long tn = nTest - tp - fp - fn;
        predicted.unpersist();
        rows.unpersist();
        try {
            model.write().overwrite().save(out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(out + ": cannot save the classifier: " + e.getMessage(), e);
        }
        return new Metrics(nTrain, nTest, auc, tp + fp == 0 ? 0 : (double) tp / (tp + fp),
                tp + fn == 0 ? 0 : (double) tp / (tp + fn), (double) (tp + tn) / nTest);
    }
}
