package org.specfair.prompts;

import java.io.Serializable;

/** Temporary shape of a prompt row until the prompt-source work lands (same fields). */
public record Prompt(String promptId, String group, String identity, String template, String text,
                     String source, long sourceRow, String error) implements Serializable {}
