package org.specfair.judge;

import org.specfair.lm.CausalLM;
import org.specfair.tokenizer.TextTokenizer;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * A judge that asks a chat model (the {@code llm} and {@code llama-guard} kinds): render each
 * statement into the model's prompt, answer greedily within a token budget, parse the answer.
 * A statement whose prompt does not fit the context window gets an error verdict, not a crash.
 */
public final class ChatModelJudge implements Judge {
    /** Special tokens that end a chat turn, taken when the tokenizer knows them as single tokens. */
    static final List<String> END_OF_TURN = List.of("</s>", "<|eot_id|>", "<|end_of_text|>", "<|endoftext|>");

    private final CausalLM model;
    private final TextTokenizer tokenizer;
    private final Function<Statement, String> render;
    private final Function<ChatAnswerer.Answer, Verdict> parse;
    private final int maxAnswerTokens;
    private final ChatAnswerer answerer;

    /**
     * @param render          statement -> the full prompt text without BOS
     * @param parse           the model's answer (text decoded by {@link #text}) -> verdict
     * @param maxAnswerTokens greedy answer budget; 0 = p_yes only (one forward pass, no answer text)
     */
    public ChatModelJudge(CausalLM model, TextTokenizer tokenizer, Function<Statement, String> render,
                          Function<ChatAnswerer.Answer, Verdict> parse, int maxAnswerTokens) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.render = render;
        this.parse = parse;
        this.maxAnswerTokens = maxAnswerTokens;
        int[][] yesNo = JudgePrompts.yesNoIds(tokenizer);
        this.answerer = new ChatAnswerer(model, stopIds(), yesNo[0], yesNo[1]);
    }

    public String text(ChatAnswerer.Answer a) {
        return tokenizer.decode(a.ids());
    }

    /** The prompt ids of one statement (BOS included where the tokenizer adds it). */
    public int[] promptIds(Statement s) {
        return JudgePrompts.encode(tokenizer, render.apply(s));
    }

    @Override
    public List<Verdict> judge(List<Statement> batch) {
        List<Verdict> out = new ArrayList<>(java.util.Collections.nCopies(batch.size(), (Verdict) null));
        List<int[]> fit = new ArrayList<>();
        List<Integer> where = new ArrayList<>();
        int window = model.config().maxPositions();
        for (int i = 0; i < batch.size(); i++) {
            int[] ids = promptIds(batch.get(i));
            if (ids.length + maxAnswerTokens > window) {
                out.set(i, Verdict.failed("judge prompt of " + ids.length + " tokens + max_answer_tokens " + maxAnswerTokens
                        + " exceeds the judge's context window of " + window));
            } else {
                fit.add(ids);
                where.add(i);
            }
        }
        if (!fit.isEmpty()) {
            List<ChatAnswerer.Answer> answers = answerer.answer(fit, maxAnswerTokens);
            for (int j = 0; j < answers.size(); j++) {
                out.set(where.get(j), parse.apply(answers.get(j)));
            }
        }
        return out;
    }

    private int[] stopIds() {
        Set<Integer> ids = new LinkedHashSet<>();
        if (model.config().eosTokenId() >= 0) {
            ids.add(model.config().eosTokenId());
        }
        for (int e : tokenizer.eosTokenIds()) {
            ids.add(e);
        }
        for (String t : END_OF_TURN) {
            int[] e = tokenizer.encode(t, false);
            if (e.length == 1) {
                ids.add(e[0]);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The yes/no judge ({@code llm}): chat format, prompt variant, p_yes; p_yes-only when the budget is 0. */
    public static ChatModelJudge yesNo(CausalLM model, TextTokenizer tokenizer, ChatFormat format, PromptVariant variant,
                                       boolean includePrompt, int maxAnswerTokens) {
        ChatModelJudge[] self = new ChatModelJudge[1];
        self[0] = new ChatModelJudge(model, tokenizer, s -> format.render(variant.message(s.text(includePrompt))), a -> {
            Double p = Double.isNaN(a.pYes()) ? null : a.pYes();
            if (maxAnswerTokens == 0) {
                // Fast mode: no answer text; the label is the likelier first word.
                String label = p == null ? Label.UNPARSED : p >= 0.5 ? Label.TOXIC : Label.NON_TOXIC;
                return new Verdict(label, p, null, null, null, null, null);
            }
            String raw = self[0].text(a);
            AnswerParser.YesNo parsed = AnswerParser.yesNo(raw);
            return new Verdict(parsed.label(), p, parsed.explanation(), raw, null, null, null);
        }, maxAnswerTokens);
        return self[0];
    }

    /** Llama Guard: the generation's prompt as the User turn (when included), its completion as the Agent turn. */
    public static ChatModelJudge llamaGuard(CausalLM model, TextTokenizer tokenizer, int version, boolean includePrompt,
                                            int maxAnswerTokens) {
        ChatModelJudge[] self = new ChatModelJudge[1];
        self[0] = new ChatModelJudge(model, tokenizer,
                s -> LlamaGuardPrompt.render(version, includePrompt ? s.prompt() : null, s.completion() == null ? "" : s.completion()),
                a -> {
                    String raw = self[0].text(a);
                    AnswerParser.Guard g = AnswerParser.guard(raw);
                    return new Verdict(g.label(), null, null, raw, null, g.categories(), null);
                }, Math.max(1, maxAnswerTokens));
        return self[0];
    }
}
