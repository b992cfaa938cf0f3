package dev.duet.log.note;

import dev.duet.log.Sha256Hash;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A C2SP tlog-checkpoint body: the origin line, the tree size in decimal, the base64 root hash,
 * and optional extension lines. Parsing accepts one encoding only (no leading zeros, canonical
 * base64, no empty lines), so a checkpoint has exactly one text.
 */
public record Checkpoint(String origin, long size, Sha256Hash root, List<String> extensions) {
    private static final Pattern SIZE = Pattern.compile("0|[1-9][0-9]{0,18}");

    public Checkpoint {
        extensions = List.copyOf(extensions);
        if (origin.isEmpty() || origin.contains("\n") || size < 0) {
            throw new IllegalArgumentException("bad checkpoint fields");
        }
    }

    public String text() {
        StringBuilder out = new StringBuilder()
                .append(origin).append('\n')
                .append(size).append('\n')
                .append(Base64.getEncoder().encodeToString(root.toByteArray())).append('\n');
        extensions.forEach(e -> out.append(e).append('\n'));
        return out.toString();
    }

    public static Checkpoint parse(String text) throws MalformedNoteException {
        if (!text.endsWith("\n")) {
            throw new MalformedNoteException("checkpoint text ends with a newline");
        }
        String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
        if (lines.length < 3) {
            throw new MalformedNoteException("checkpoint has an origin, a size and a root hash");
        }
        if (lines[0].isEmpty()) {
            throw new MalformedNoteException("checkpoint origin is empty");
        }
        if (!SIZE.matcher(lines[1]).matches()) {
            throw new MalformedNoteException("checkpoint size is not a decimal number without leading zeros");
        }
        long size;
        try {
            size = Long.parseLong(lines[1]);
        } catch (NumberFormatException e) {
            throw new MalformedNoteException("checkpoint size is out of range");
        }
        byte[] root;
        try {
            root = Base64.getDecoder().decode(lines[2]);
        } catch (IllegalArgumentException e) {
            throw new MalformedNoteException("checkpoint root hash is not base64");
        }
        if (root.length != Sha256Hash.LENGTH || !Base64.getEncoder().encodeToString(root).equals(lines[2])) {
            throw new MalformedNoteException("checkpoint root hash is not canonical base64 of 32 bytes");
        }
        List<String> extensions = new ArrayList<>();
        for (int i = 3; i < lines.length; i++) {
            if (lines[i].isEmpty()) {
                throw new MalformedNoteException("checkpoint has an empty extension line");
            }
            extensions.add(lines[i]);
        }
        return new Checkpoint(lines[0], size, Sha256Hash.wrap(root), extensions);
    }

    /**
     * Parses a signed checkpoint and checks its signature and origin.
     *
     * @throws MalformedNoteException if the note or its body is malformed
     * @throws NoteRejectedException if the trusted key did not sign it or the origin differs
     */
    public static Checkpoint open(String signedNote, NoteVerifierKey key, String expectedOrigin)
            throws MalformedNoteException, NoteRejectedException {
        Checkpoint checkpoint = parse(SignedNote.parse(signedNote).open(key));
        if (!checkpoint.origin().equals(expectedOrigin)) {
            throw new NoteRejectedException("checkpoint origin '" + checkpoint.origin() + "', expected '" + expectedOrigin + "'");
        }
        return checkpoint;
    }
}
