package org.specfair.judge;

import java.util.Locale;

/**
 * How a chat model wants one user turn followed by the start of its answer. The rendered string
 * leaves out the beginning-of-sequence token: the model's tokenizer adds that id once ({@link JudgePrompts}) when it
 * adds one ({@code <s>} for Llama 1/2 and Tulu, {@code <|begin_of_text|>} for Llama 3),
 * as {@code apply_chat_template(..., add_generation_prompt=True)} followed by tokenization gives.
 *
 * <p>A checkpoint's own Jinja {@code chat_template} is not rendered: no maintained Java Jinja engine is
 * on this project's classpath, and an approximate rendering would change the judge silently. Asking for
 * {@code format=template} is refused by name.
 */
public enum ChatFormat {
    /** Tulu V1/V2: {@code <|user|>\n{message}\n<|assistant|>\n}. */
    TULU {
        @Override
        public String render(String message) {
            return "<|user|>\n" + message + "\n<|assistant|>\n";
        }
    },
    /** Llama-2 chat, one turn without a system prompt: {@code [INST] {message} [/INST]}. */
    LLAMA2 {
        @Override
        public String render(String message) {
            return "[INST] " + message.strip() + " [/INST]";
        }
    },
    /** Llama-3 instruct: header tokens around the role, {@code <|eot_id|>} after the turn. */
    LLAMA3 {
        @Override
        public String render(String message) {
            return "<|start_header_id|>user<|end_header_id|>\n\n" + message.strip()
                    + "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
        }
    };

    public abstract String render(String message);

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ChatFormat parse(String s) {
        String f = s.toLowerCase(Locale.ROOT).replace("-", "");
        for (ChatFormat c : values()) {
            if (c.label().equals(f)) {
                return c;
            }
        }
        if (f.equals("template") || f.equals("chattemplate")) {
            throw new IllegalArgumentException("format=" + s + ": rendering a checkpoint's Jinja chat_template is not supported"
                    + " (no Java Jinja engine here); use format=tulu, llama2 or llama3");
        }
        throw new IllegalArgumentException("unknown chat format '" + s + "' (tulu, llama2, llama3)");
    }
}
