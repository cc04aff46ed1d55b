package org.specfair.checkpoint;

/** A checkpoint folder that cannot be used; the message is one line naming the file and tensor. */
public class CheckpointException extends RuntimeException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
