package org.specfair.experiment;

/** A bad experiment file: the message is one line, {@code FILE:LINE: key.path: what is wrong}. */
public final class ExperimentFileException extends IllegalArgumentException {
    public ExperimentFileException(String message) {
        super(message);
    }
}
