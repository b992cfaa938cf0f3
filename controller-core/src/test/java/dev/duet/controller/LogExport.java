package dev.duet.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.log.store.SqliteAuditLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.jdbi.v3.core.Jdbi;

/**
 * For tests and benchmarks: the log as stored, in the export format {@code {"checkpoint", "entries"}} that
 * {@code duet log verify-export} checks, with a checkpoint the controller signed: the entries read
 * straight from a SQLite file, with no judgement, so that whatever was done to the file since shows
 * up in the verification. A row that is not JSON is exported as a string, which the verifier reports
 * as malformed at its position.
 */
public final class LogExport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LogExport() {}

    public static ObjectNode fromDatabase(Path databaseFile, String checkpoint) {
        // Not through SqliteStore: opening the store judges the file (it refuses a tree that does not end where the entries do).
        return Jdbi.create("jdbc:sqlite:" + databaseFile).withHandle(h -> {
            ObjectNode export = JSON.createObjectNode().put("checkpoint", checkpoint);
            ArrayNode entries = export.putArray("entries");
            for (byte[] body : SqliteAuditLog.encodedRange(h, 0, Long.MAX_VALUE)) {
                entries.add(parseOrText(body));
            }
            return export;
        });
    }

    private static JsonNode parseOrText(byte[] body) {
        try {
            JsonNode node = JSON.readTree(body);
            return node == null ? JSON.getNodeFactory().textNode("") : node;
        } catch (IOException e) {
            return JSON.getNodeFactory().textNode(new String(body, StandardCharsets.UTF_8));
        }
    }
}
