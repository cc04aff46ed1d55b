package org.specfair.experiment;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One experiment file ({@code conf/experiments/NAME.yaml}) as read: every key, with its default. The
 * YAML keys are these component names in snake_case ({@code maxNewTokens} is {@code max_new_tokens});
 * an unknown key is an error (see {@link ExperimentFiles}). docs/experiments.md lists every key.
 *
 * @param experiment name of the experiment: the {@code experiment} partition of every table;
 *                   {@code {date}} is replaced by the run's UTC date (nightly reruns)
 * @param seed       experiment seed (decoding streams derive from it per prompt and sample)
 * @param models     the starting pair
 * @param prompts    prompt files generated at every stage
 * @param decoding   decoding settings, the same at every stage
 * @param datasets   finetuning datasets by name (files, or counterfactual copies of another dataset)
 * @param stages     in order; each generates, and may first finetune either model
 * @param finetune   finetuning hyper-parameters shared by the stages, by the finetune job's names
 *                   ({@code org.specfair.finetune.TrainConfig}: max_steps, epochs, learning_rate, schedule,
 *                   batch_size, context_length, ...); a stage may override them
 * @param judges     judge specs {@code NAME=KIND[:key=value,...]} run on every stage's generations
 * @param aggregate  run the aggregation job after judging
 * @param report     write the report to {@code ROOT/report/index.html}
 */
public record ExperimentConfig(String experiment, Long seed, Models models, Prompts prompts, Decoding decoding,
                               Map<String, Dataset> datasets, List<Stage> stages, Map<String, Object> finetune,
                               List<String> judges, Boolean aggregate, Boolean report) {
    public ExperimentConfig {
        seed = seed == null ? 0L : seed;
        decoding = decoding == null ? Decoding.DEFAULT : decoding;
        datasets = datasets == null ? new LinkedHashMap<>() : datasets;
        stages = stages == null ? List.of(new Stage("base", null, List.of(), List.of(), null)) : stages;
        finetune = finetune == null ? Map.of() : finetune;
        judges = judges == null ? List.of() : judges;
        aggregate = aggregate == null || aggregate;
        report = report == null || report;
    }

    /**
     * @param main      main checkpoint folder (Hugging Face layout, safetensors), a path or Hadoop URI
     * @param assistant assistant checkpoint folder; null = main-only generation
     * @param make      null = the folders exist; {@code demo} = the project makes the tiny demo pair there
     *                  (BPE tokenizer trained on the prompts and every file dataset, random GPT-Neo weights)
     *                  when they are missing, to be trained by the first stage
     * @param device    auto (the Spark task's GPU, else CPU), cpu, gpu
     * @param dtype     auto, float32, float16 (bfloat16 is refused: DJL 0.36 has no such type)
     */
    public record Models(String main, String assistant, String make, String device, String dtype) {
        public Models {
            device = device == null ? "auto" : device;
            dtype = dtype == null ? "auto" : dtype;
        }
    }

    /**
     * @param files      prompt files (or folders of HONEST templates)
     * @param format     honest, csv, tsv, jsonl, parquet (default: from the first file's name)
     * @param honestSet  binary, queer_nonqueer, all (format honest)
     * @param columns    column names of a prompt table
     */
    public record Prompts(List<String> files, String format, String honestSet, Columns columns) {
        public Prompts {
            files = files == null ? List.of() : files;
            honestSet = honestSet == null ? "all" : honestSet;
            columns = columns == null ? Columns.DEFAULT : columns;
        }
    }

    /** Column names of a prompt table (id: null = derived stable ids; identity/template optional). */
    public record Columns(String id, String text, String group, String identity, String template) {
        static final Columns DEFAULT = new Columns(null, null, null, null, null);

        public Columns {
            text = text == null ? "prompt" : text;
            group = group == null ? "category" : group;
        }
    }

    /** As the generation job's options of the same names (docs/experiments.md). */
    public record Decoding(String mode, Double temperature, Integer topK, Double topP, String schedule,
                           Integer numAssistantTokens, Integer maxNewTokens, Integer numSamples, Integer batchSize,
                           Integer partitions, Boolean score, Double scoreTemperature) {
        static final Decoding DEFAULT = new Decoding(null, null, null, null, null, null, null, null, null, null, null, null);

        public Decoding {
            mode = mode == null ? "speculative" : mode;
            temperature = temperature == null ? 0.0 : temperature;
            topK = topK == null ? 0 : topK;
            topP = topP == null ? 1.0 : topP;
            schedule = schedule == null ? "heuristic_transient" : schedule; // reset per prompt: results independent of prompt order
            numAssistantTokens = numAssistantTokens == null ? 5 : numAssistantTokens;
            maxNewTokens = maxNewTokens == null ? 20 : maxNewTokens;
            numSamples = numSamples == null ? 1 : numSamples;
            batchSize = batchSize == null ? 8 : batchSize;
            partitions = partitions == null ? 0 : partitions;
            score = score == null || score;
            scoreTemperature = scoreTemperature == null ? 1.0 : scoreTemperature;
        }
    }

    /**
     * A finetuning dataset: a file ({@code path}, {@code format}, {@code column}) or the counterfactually
     * augmented copy of another dataset ({@code counterfactual_of}), written under {@code ROOT/_datasets/}.
     *
     * @param format text (one example per line), csv, tsv, jsonl, parquet (default: from the name)
     * @param column the text column (csv/tsv/jsonl/parquet); default {@code text}
     */
    public record Dataset(String path, String format, String column, String counterfactualOf) {
        public Dataset {
            column = column == null ? "text" : column;
        }
    }

    /**
     * A stage: finetune each model on its datasets in order (starting from the parent stage's checkpoints,
     * or the starting pair for the first stage), then generate.
     *
     * @param name      the {@code stage} partition; {@code {date}} is replaced by the run's date
     * @param parent    stage whose checkpoints this one starts from (default: the stage before; the first
     *                  stage starts from {@code models})
     * @param main      datasets the main model is finetuned on, in order (empty: keep the parent's)
     * @param assistant datasets the assistant is finetuned on, in order
     * @param finetune  hyper-parameters overriding the experiment's {@code finetune} for this stage (keys given win)
     */
    public record Stage(String name, String parent, List<String> main, List<String> assistant, Map<String, Object> finetune) {
        public Stage {
            main = main == null ? List.of() : main;
            assistant = assistant == null ? List.of() : assistant;
            finetune = finetune == null ? Map.of() : finetune;
        }

        public boolean trains() {
            return !main.isEmpty() || !assistant.isEmpty();
        }
    }
}
