package dev.duet.log.note;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A C2SP signed note: text ending in a newline, a blank line, and signature lines
 * {@code — <key name> base64(key ID ‖ signature)}. Parsing is total: anything else is a
 * {@link MalformedNoteException}. Opening checks signatures by the rules of the spec: signatures by
 * unknown keys are ignored, a failing signature by the known key rejects the note, and a note with
 * no valid signature by the known key is rejected.
 */
public record SignedNote(String text, List<Signature> signatures) {
    static final int MAX_SIGNATURES = 16;
    /** The longest note {@link #parse} takes, in UTF-16 characters; a reader of notes inside larger documents may refuse longer ones early. */
    public static final int MAX_CHARS = 1 << 16;
    private static final String DASH = "\u2014 ";

    public SignedNote {
        signatures = List.copyOf(signatures);
    }

    /** One signature line. */
    public record Signature(String keyName, int keyId, byte[] signature) {
        public Signature {
            signature = signature.clone();
        }

        @Override
        public byte[] signature() {
            return signature.clone();
        }
    }

    /** Signs {@code text} with an Ed25519 signing function whose verifier key is {@code key}. */
    public static SignedNote sign(String text, NoteVerifierKey key, UnaryOperator<byte[]> ed25519Sign) {
        if (text.isEmpty() || !text.endsWith("\n")) {
            throw new IllegalArgumentException("note text ends with a newline");
        }
        byte[] signature = ed25519Sign.apply(text.getBytes(StandardCharsets.UTF_8));
        return new SignedNote(text, List.of(new Signature(key.name(), key.keyId(), signature)));
    }

    public String encode() {
        StringBuilder out = new StringBuilder(text).append('\n');
        for (Signature s : signatures) {
            byte[] blob = ByteBuffer.allocate(4 + s.signature().length).putInt(s.keyId()).put(s.signature()).array();
            out.append(DASH).append(s.keyName()).append(' ').append(Base64.getEncoder().encodeToString(blob)).append('\n');
        }
        return out.toString();
    }

    public static SignedNote parse(String note) throws MalformedNoteException {
        if (note == null || note.isEmpty() || note.length() > MAX_CHARS) {
            throw new MalformedNoteException("a note is between 1 and 65,536 characters");
        }
        for (int i = 0; i < note.length(); i++) {
            char c = note.charAt(i);
            if (c < 0x20 && c != '\n' || Character.isSurrogate(c) && !validSurrogateAt(note, i)) {
                throw new MalformedNoteException("a note has no control characters but newline");
            }
        }
        if (!note.endsWith("\n")) {
            throw new MalformedNoteException("a note ends with a newline");
        }
        int split = note.lastIndexOf("\n\n");
        if (split < 0) {
            throw new MalformedNoteException("no blank line before the signatures");
        }
        String text = note.substring(0, split + 1);
        String[] lines = note.substring(split + 2).split("\n", -1);
        List<Signature> signatures = new ArrayList<>();
        for (int i = 0; i < lines.length - 1; i++) {
            signatures.add(parseSignature(lines[i]));
        }
        if (signatures.isEmpty() || signatures.size() > MAX_SIGNATURES) {
            throw new MalformedNoteException("a note has 1 to " + MAX_SIGNATURES + " signatures");
        }
        return new SignedNote(text, signatures);
    }

    private static boolean validSurrogateAt(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    private static Signature parseSignature(String line) throws MalformedNoteException {
        if (!line.startsWith(DASH)) {
            throw new MalformedNoteException("a signature line starts with an em dash and a space");
        }
        String[] parts = line.substring(DASH.length()).split(" ", -1);
        if (parts.length != 2 || parts[0].isEmpty() || parts[0].contains("+")) {
            throw new MalformedNoteException("a signature line is '— <key name> <base64>'");
        }
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(parts[1]);
        } catch (IllegalArgumentException e) {
            throw new MalformedNoteException("signature is not base64");
        }
        if (blob.length < 5 || !Base64.getEncoder().encodeToString(blob).equals(parts[1])) {
            throw new MalformedNoteException("signature is not canonical base64 of a key ID and a signature");
        }
        ByteBuffer buffer = ByteBuffer.wrap(blob);
        int keyId = buffer.getInt();
        byte[] signature = new byte[buffer.remaining()];
        buffer.get(signature);
        return new Signature(parts[0], keyId, signature);
    }

    /**
     * The note's text if a signature by {@code key} verifies.
     *
     * @throws NoteRejectedException if the known key's signature fails or is absent
     */
    public String open(NoteVerifierKey key) throws NoteRejectedException {
        boolean verified = false;
        byte[] message = text.getBytes(StandardCharsets.UTF_8);
        for (Signature s : signatures) {
            if (s.keyName().equals(key.name()) && s.keyId() == key.keyId()) {
                if (!key.verify(message, s.signature())) {
                    throw new NoteRejectedException("invalid signature by " + key.name());
                }
                verified = true;
            }
        }
        if (!verified) {
            throw new NoteRejectedException("no signature by the trusted key " + key.name());
        }
        return text;
    }
}
