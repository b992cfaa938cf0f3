package dev.duet.cli;

import dev.duet.log.EntryCodec;
import dev.duet.log.LogEntry;
import dev.duet.log.Sha256Hash;
import dev.duet.log.merkle.MerkleFrontier;
import dev.duet.log.merkle.MerkleHashes;
import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.CheckpointSigner;
import dev.duet.log.note.SignedNote;
import dev.duet.protocol.ControllerLog;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.entry.EntryKind;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PayloadCodec;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes a signed export of any size straight to a file, as {@code duet log export} lays it out,
 * without holding it: for the bounded-memory tests and {@code bench/export-memory.sh}. Entries are
 * {@code command.failed} over a few subjects with a payload of the size asked for.
 */
public final class GeneratedExport {
    private GeneratedExport() {}

    /** A command's failure as the controller logs it ({@link PayloadCodec}), its reason long enough for a payload of about {@code bytes}. */
    private static String payload(long i, int bytes) {
        return EntryCodec.canonical(PayloadCodec.encode(new Payload.CommandFailed("c" + i, "A".repeat(Math.max(1, bytes - 30)))));
    }

    /** Entries {@code n} with payloads of about {@code payloadBytes}; returns the file's size. */
    public static long write(Path file, Ed25519KeyPair key, long n, int payloadBytes) throws Exception {
        return write(file, key, n, i -> payloadBytes, -1);
    }

    /**
     * Entry i gets a payload of about {@code payloadBytes(i)} bytes; with {@code tamperAt} >= 0 one
     * character of that entry's payload is changed after the chain and the tree committed to it, so
     * the verifier must name it as the first bad index.
     */
    public static long write(Path file, Ed25519KeyPair key, long n, java.util.function.LongToIntFunction payloadBytes, long tamperAt)
            throws Exception {
        MerkleFrontier tree = new MerkleFrontier();
        Sha256Hash prev = Sha256Hash.ZERO;
        Map<String, Sha256Hash> subjects = new HashMap<>();
        Instant start = Instant.parse("2026-11-23T07:00:00Z");
        Path entries = Files.createTempFile(file.toAbsolutePath().getParent(), "entries", ".part");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(entries), 1 << 16)) {
                for (long i = 0; i < n; i++) {
                    String payload = payload(i, payloadBytes.applyAsInt(i));
                    String subject = "cvm-" + (i % 5);
                    LogEntry entry = new LogEntry(i, start.plusMillis(i), Optional.of(subject), "controller", EntryKind.COMMAND_FAILED.wire(), payload, prev,
                            Optional.of(subjects.getOrDefault(subject, Sha256Hash.ZERO)));
                    byte[] bytes = EntryCodec.encode(entry);
                    prev = Sha256Hash.of(bytes);
                    subjects.put(subject, prev);
                    tree.append(MerkleHashes.leaf(bytes));
                    if (i > 0) {
                        out.write(',');
                    }
                    if (i == tamperAt) {
                        bytes = new String(bytes, StandardCharsets.UTF_8).replaceFirst("AAA", "AAB").getBytes(StandardCharsets.UTF_8);
                    }
                    out.write(bytes);
                }
            }
            CheckpointSigner signer = ControllerLog.checkpointSigner(key);
            String note = SignedNote.sign(new Checkpoint(signer.origin(), n, tree.root(), List.of()).text(), signer.verifierKey(), signer::sign).encode();
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
                out.write(("{\"checkpoint\":" + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(note) + ",\"entries\":[")
                        .getBytes(StandardCharsets.UTF_8));
                Files.copy(entries, out);
                out.write("]}".getBytes(StandardCharsets.US_ASCII));
            }
        } finally {
            Files.deleteIfExists(entries);
        }
        return Files.size(file);
    }

    /** {@code GeneratedExport DIR ENTRIES PAYLOAD_BYTES [TAMPER_AT]}: writes DIR/export.json and DIR/controller.pub. */
    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of(args[0]));
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        int payload = Integer.parseInt(args[2]);
        long size = write(dir.resolve("export.json"), key, Long.parseLong(args[1]), i -> payload, args.length > 3 ? Long.parseLong(args[3]) : -1);
        Files.writeString(dir.resolve("controller.pub"), key.publicKey().toPem());
        System.out.printf("%s entries: %s (%d bytes), key %s%n", args[1], dir.resolve("export.json"), size, dir.resolve("controller.pub"));
    }
}
