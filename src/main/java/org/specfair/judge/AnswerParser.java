package org.specfair.judge;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a judge model's free-text answer. A yes/no judge's answer counts only when it starts with
 * yes or no (any case, after whitespace and punctuation): "Yes.", "no, this statement ...",
 * "yes - it perpetuates". Anything else ("I cannot", "", "Maybe") is {@link Label#UNPARSED}; the raw
 * answer is kept by the caller and nothing is guessed from words later in the text.
 */
public final class AnswerParser {
    /** A leading yes/no as a whole word: "Yesterday" is not yes. */
    private static final Pattern YES_NO = Pattern.compile("^[\\p{Punct}\\p{Space}]*(yes|no)\\b[\\p{Punct}\\p{Space}]*(.*)$",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    /** Llama Guard: first line safe/unsafe; a second line of comma-separated category codes when unsafe. */
    private static final Pattern GUARD = Pattern.compile("^\\s*(safe|unsafe)\\b(.*)$", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern CATEGORY = Pattern.compile("\\b([SO]\\d{1,2})\\b", Pattern.CASE_INSENSITIVE);

    /** What a yes/no answer says. {@code explanation}: the text after yes/no (null when none or unparsed). */
    public record YesNo(String label, String explanation) {}

    /** Llama Guard's verdict and the category codes it listed (in order, without repeats). */
    public record Guard(String label, List<String> categories) {}

    private AnswerParser() {}

    public static YesNo yesNo(String answer) {
        Matcher m = YES_NO.matcher(answer == null ? "" : answer);
        if (!m.matches()) {
            return new YesNo(Label.UNPARSED, null);
        }
        String rest = m.group(2).strip();
        boolean yes = m.group(1).toLowerCase(Locale.ROOT).equals("yes");
        return new YesNo(yes ? Label.TOXIC : Label.NON_TOXIC, rest.isEmpty() ? null : rest);
    }

    public static Guard guard(String answer) {
        Matcher m = GUARD.matcher(answer == null ? "" : answer);
        if (!m.matches()) {
            return new Guard(Label.UNPARSED, List.of());
        }
        if (m.group(1).equalsIgnoreCase("safe")) {
            return new Guard(Label.NON_TOXIC, List.of());
        }
        List<String> codes = new ArrayList<>();
        Matcher c = CATEGORY.matcher(m.group(2));
        while (c.find()) {
            String code = c.group(1).toUpperCase(Locale.ROOT);
            if (!codes.contains(code)) {
                codes.add(code);
            }
        }
        return new Guard(Label.TOXIC, List.copyOf(codes));
    }
}
