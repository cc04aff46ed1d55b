package org.specfair.decode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * One random stream per (experiment seed, prompt id, sample index): a prompt's sampled result never
 * depends on its batch mates, its partition, its executor or the order prompts are processed in.
 */
public final class Seeds {
    private Seeds() {}

    public static long forPrompt(long experimentSeed, String promptId, int sampleIndex) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((experimentSeed + "\u0000" + promptId + "\u0000" + sampleIndex).getBytes(StandardCharsets.UTF_8));
            byte[] h = sha.digest();
            long s = 0;
            for (int i = 0; i < 8; i++) {
                s = (s << 8) | (h[i] & 0xff);
            }
            return s;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
