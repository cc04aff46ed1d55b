package org.specfair.finetune;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Counterfactual swaps on tricky sentences: case, punctuation, whole words, and the her -> him/his decision. */
class CounterfactualSwapperTest {
    static final CounterfactualSwapper SWAP = CounterfactualSwapper.defaults();

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            She gave her book to him.            | He gave his book to her.
            I saw her.                           | I saw him.
            I gave her the keys.                 | I gave him the keys.
            They went with her, and left.        | They went with him, and left.
            Her own car is faster than his.      | His own car is faster than hers.
            The book is hers, not his            | The book is his, not hers
            HE SAID SHE WAS RIGHT                | SHE SAID HE WAS RIGHT
            Heather met the hero and Sheila.     | Heather met the hero and Sheila.
            "The woman's son, a man, married."   | "The man's daughter, a woman, married."
            My mother-in-law called.             | My father-in-law called.
            she'll see him tomorrow              | he'll see her tomorrow
            He and she; Men and women!           | She and he; Women and men!
            Gay and straight people              | Straight and gay people
            He told himself: Mr. Smith is a king | She told herself: Mrs. Smith is a queen
            the mothers' fathers                 | the fathers' mothers
            The manager's theirs is a human      | The manager's theirs is a human
            """)
    void swapsBothWaysKeepingCaseAndPunctuation(String in, String out) {
        assertEquals(out, SWAP.apply(in).text());
    }

    @Test
    void swappingTwiceRestoresTextWithoutTheAmbiguousHer() {
        String s = "The boy and his sister met the king; she smiled at him. GAY men, trans women!";
        assertEquals(s, SWAP.apply(SWAP.apply(s).text()).text());
    }

    @Test
    void countsSwapsPerPair() {
        CounterfactualSwapper.Result r = SWAP.apply("She said he and his brother saw her; the man and the men waved.");
        assertEquals(Map.of("he/she", 2, "him/her", 2, "brother/sister", 1, "man/woman", 1, "men/women", 1), r.swaps());
        assertEquals(7, r.total());
    }

    @Test
    void pairListsAreCheckedLineByLine(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("pairs.tsv");
        Files.writeString(f, "# comment\ncat\tdog\nlion\tcat\n");
        assertEquals(f + " line 3: 'cat' already has a partner (each word may appear once; his/hers follow him/her)",
                assertThrows(IllegalArgumentException.class, () -> CounterfactualSwapper.read(f)).getMessage());
        Files.writeString(f, "cat dog bird\n");
        assertEquals(f + " line 1: expected two words separated by a tab, got 'cat dog bird'",
                assertThrows(IllegalArgumentException.class, () -> CounterfactualSwapper.read(f)).getMessage());
        Files.writeString(f, "cat\tdog\n");
        assertEquals("A dog and a Cat.", CounterfactualSwapper.read(f).apply("A cat and a Dog.").text());
    }
}
