package dev.duet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.protocol.CvmState;
import picocli.CommandLine;

/**
 * A CVM as the user names it: its id, or its name (the controller resolves a name among the CVMs it
 * lists, where names are unique). Anything else (empty, a path, an id in capitals) is a usage
 * error, sent nowhere.
 */
final class CvmRef implements CommandLine.ITypeConverter<String> {
    static final String WHAT = "its id, or its name among the listed CVMs ('duet list' shows both).";

    @Override
    public String convert(String value) {
        if (!CvmState.ID.matcher(value).matches() && !CvmName.valid(value)) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a CVM id or name (an id is cvm- and 16 lowercase hex "
                    + "digits, a name 1-64 letters, digits, '.', '_' or '-'; 'duet list' shows both)");
        }
        return value;
    }

    /** Whether {@code cvm} (a view, or a signed document's "cvm") is the CVM the user asked for by id or by name. */
    static boolean names(JsonNode cvm, String asked) {
        return names(cvm.path("id").asText(null), cvm.path("name").asText(null), asked);
    }

    /** Whether the CVM with this id and name is the one the user asked for; a value of the id form names by id only. */
    static boolean names(String id, String name, String asked) {
        return asked.equals(id) || !CvmState.ID.matcher(asked).matches() && asked.equals(name);
    }
}
