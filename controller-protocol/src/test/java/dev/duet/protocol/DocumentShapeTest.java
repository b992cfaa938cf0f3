package dev.duet.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class DocumentShapeTest {
    private static final DocumentShape SHAPE = DocumentShape.of("format", "cvm.id", "cvm.since.seq#", "cvm.simulated?", "cvm.entry{}",
            "entries[]");

    private static JsonNode json(String text) {
        try {
            return StrictJson.read(text.replace('\'', '"').getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (MalformedJsonException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aPayloadOfItsShapePasses() {
        assertThat(SHAPE.unknownMember(json("{'format':'f','cvm':{'id':'x','since':{'seq':1},'simulated':false,'entry':{'any':{'thing':1}}},"
                + "'entries':[{'x':1}]}")))
                .isEmpty();
        assertThat(SHAPE.unknownMember(json("{}"))).isEmpty();
    }

    @Test
    void aMemberAtAnyLevelItDoesNotHaveIsNamed() {
        assertThat(SHAPE.unknownMember(json("{'format':'f','extra':1}"))).contains("unknown member 'extra'");
        assertThat(SHAPE.unknownMember(json("{'cvm':{'id':'x','name':'y'}}"))).contains("unknown member 'cvm.name'");
        assertThat(SHAPE.unknownMember(json("{'cvm':{'since':{'seq':1,'time':'t'}}}"))).contains("unknown member 'cvm.since.time'");
    }

    @Test
    void aValueOfAnotherKindIsRefused() {
        assertThat(SHAPE.unknownMember(json("{'cvm':'x'}"))).contains("member 'cvm' is not an object");
        assertThat(SHAPE.unknownMember(json("{'cvm':{'entry':[1]}}"))).contains("member 'cvm.entry' is not an object");
        assertThat(SHAPE.unknownMember(json("{'format':{'hidden':1}}")))
                .contains("member 'format' is an object where the controller writes a value");
        assertThat(SHAPE.unknownMember(json("{'cvm':{'id':[{'hidden':1}]}}")))
                .contains("member 'cvm.id' is a list where the controller writes a value");
        assertThat(SHAPE.unknownMember(json("{'entries':{'x':1}}"))).contains("member 'entries' is not a list");
        for (String notAnInteger : List.of("'1'", "1.0", "1.5", "true", "null")) {
            assertThat(SHAPE.unknownMember(json("{'cvm':{'since':{'seq':" + notAnInteger + "}}}"))).as(notAnInteger)
                    .contains("member 'cvm.since.seq' is not an integer");
        }
        for (String notABoolean : List.of("'false'", "'true'", "0", "1", "null")) {
            assertThat(SHAPE.unknownMember(json("{'cvm':{'simulated':" + notABoolean + "}}"))).as(notABoolean)
                    .contains("member 'cvm.simulated' is not true or false");
        }
        assertThat(SHAPE.unknownMember(json("{'cvm':{'simulated':true}}"))).isEmpty();
        assertThat(SHAPE.unknownMember(json("[]"))).contains("the payload is not an object");
    }

    @Test
    void aShapeWhosePathIsBothAValueAndAnObjectIsAProgrammingError() {
        assertThatThrownBy(() -> DocumentShape.of("cvm[]", "cvm.id")).isInstanceOf(IllegalArgumentException.class);
    }
}
