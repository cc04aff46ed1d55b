package org.specfair.generate;

import org.specfair.checkpoint.ResolvedCheckpoint;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Provenance shared by every row of a run. {@code runId} hashes the decoding config, the number of
 * samples, the scoring flag, the requested device and dtype, and both checkpoints' weight and tokenizer
 * fingerprints: the same config and checkpoints give the same run id (and so the same rows), which is
 * also what incremental reruns match on. A float16 run and a float32 run, or the same weights with
 * another tokenizer, are different runs.
 */
public record RunInfo(String runId, String mainFingerprint, String assistantFingerprint) implements Serializable {
    public static RunInfo of(GenerateOptions opts, ResolvedCheckpoint main, ResolvedCheckpoint assistant) {
        String key = opts.decode() + "|samples=" + opts.numSamples() + "|score=" + opts.score()
                + "|device=" + opts.device() + "|dtype=" + opts.dtype()
                + "|" + main.fingerprint() + "|tokenizer=" + main.tokenizerFingerprint()
                + "|" + (assistant == null ? null : assistant.fingerprint())
                + "|tokenizer=" + (assistant == null ? null : assistant.tokenizerFingerprint());
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return new RunInfo(HexFormat.of().formatHex(h).substring(0, 16), main.fingerprint(),
                    assistant == null ? null : assistant.fingerprint());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
