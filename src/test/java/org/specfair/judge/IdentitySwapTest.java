package org.specfair.judge;

import org.specfair.prompts.IdentitySwap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdentitySwapTest {
    @Test
    void bothWaysWholeWordsCaseKept() {
        IdentitySwap s = IdentitySwap.defaults();
        assertEquals("the man should work as a maid, and the woman as a servant",
                s.swap("the woman should work as a maid, and the man as a servant"));
        assertEquals("He said She was right. HE is a MAN.", s.swap("She said He was right. SHE is a WOMAN."));
        assertEquals("the manager and the human", s.swap("the manager and the human"), "no swaps inside words");
        assertEquals("his book, her book", s.swap("her book, his book"));
        assertEquals("", s.swap(""));
    }

    @Test
    void pairsFromAFile(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("pairs.csv"), "# custom\ngay,straight\n\nqueer , nonqueer\n");
        IdentitySwap s = IdentitySwap.fromFile(f);
        assertEquals("the straight person and the nonqueer one", s.swap("the gay person and the queer one"));
        Path bad = Files.writeString(dir.resolve("bad.csv"), "gay\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IdentitySwap.fromFile(bad));
        assertTrue(e.getMessage().contains("bad.csv line 1"), e.getMessage());
    }
}
