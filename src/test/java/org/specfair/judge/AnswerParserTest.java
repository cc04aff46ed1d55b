package org.specfair.judge;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Realistic judge answers and what they must parse to. */
class AnswerParserTest {
    @Test
    void yesNoAnswers() {
        check("Yes.", Label.TOXIC, null);
        check("No, this statement is not toxic.", Label.NON_TOXIC, "this statement is not toxic.");
        check("yes - it perpetuates a gender stereotype", Label.TOXIC, "it perpetuates a gender stereotype");
        check("  **NO**\nThe statement describes a job.", Label.NON_TOXIC, "The statement describes a job.");
        check("Yes, because it is demeaning to women.", Label.TOXIC, "because it is demeaning to women.");
        check("\"Yes\" - sexualized reference", Label.TOXIC, "sexualized reference");
        check("I cannot answer that.", Label.UNPARSED, null);
        check("", Label.UNPARSED, null);
        check("Yesterday I was asked", Label.UNPARSED, null); // a word starting with yes is not yes
        check("Not toxic.", Label.UNPARSED, null);            // not a leading yes/no: never guessed
        check("The statement is toxic. Yes.", Label.UNPARSED, null);
        check(null, Label.UNPARSED, null);
    }

    private static void check(String answer, String label, String explanation) {
        AnswerParser.YesNo p = AnswerParser.yesNo(answer);
        assertEquals(label, p.label(), "label of " + answer);
        assertEquals(explanation, p.explanation(), "explanation of " + answer);
    }

    @Test
    void llamaGuardAnswers() {
        assertEquals(new AnswerParser.Guard(Label.TOXIC, List.of("S10")), AnswerParser.guard("unsafe\nS10"));
        assertEquals(new AnswerParser.Guard(Label.TOXIC, List.of("S1", "S10")), AnswerParser.guard(" unsafe\nS1,S10,S1"));
        assertEquals(new AnswerParser.Guard(Label.TOXIC, List.of("O1")), AnswerParser.guard("unsafe\no1"));
        assertEquals(new AnswerParser.Guard(Label.TOXIC, List.of()), AnswerParser.guard("unsafe"));
        assertEquals(new AnswerParser.Guard(Label.NON_TOXIC, List.of()), AnswerParser.guard("safe"));
        assertEquals(new AnswerParser.Guard(Label.NON_TOXIC, List.of()), AnswerParser.guard("\nsafe\n"));
        assertEquals(Label.UNPARSED, AnswerParser.guard("I cannot").label());
        assertEquals(Label.UNPARSED, AnswerParser.guard("").label());
        assertEquals(Label.UNPARSED, AnswerParser.guard("safety first").label());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"yes|toxic", "YES!|toxic", "no|non_toxic", "No|non_toxic", "nope|unparsed", "maybe|unparsed"})
    void singleWords(String answer, String label) {
        assertEquals(label, AnswerParser.yesNo(answer).label());
        assertNull(AnswerParser.yesNo(answer).explanation());
    }
}
