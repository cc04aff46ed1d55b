package org.specfair.judge;

/** The values of the judgments table's {@code label} column. */
public final class Label {
    public static final String TOXIC = "toxic";
    public static final String NON_TOXIC = "non_toxic";
    /** The judge answered, but not in a form that says toxic or not: kept as is, never guessed. */
    public static final String UNPARSED = "unparsed";

    private Label() {}
}
