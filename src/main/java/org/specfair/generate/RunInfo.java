package org.specfair.generate;

import org.specfair.decode.DecodeConfig;


import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Provenance shared by every row of a run. {@code runId} hashes the decoding config, the number of
 * samples and both checkpoint fingerprints: the same config and checkpoints give the same run id
 * (and so the same rows), which is also what incremental reruns match on.
 */
public record RunInfo(String runId, String mainFingerprint, String assistantFingerprint) implements Serializable {
    public static RunInfo of(DecodeConfig cfg, int numSamples, boolean score, String mainFp, String assistantFp) {
        String key = cfg + "|samples=" + numSamples + "|score=" + score + "|" + mainFp + "|" + assistantFp;
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return new RunInfo(HexFormat.of().formatHex(h).substring(0, 16), mainFp, assistantFp);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
