package dev.duet.cli;

import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.OpenSshFingerprint;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two keys {@code duet adopt} sends, checked on this machine before anything is sent: the host
 * key must be public (a private key file named by mistake would be sent whole), and the bootstrap
 * key must be one unencrypted private key that is not the owner's own key in any of its forms (the
 * owner key signs every owner request; once sent it is no longer the owner's alone). A file that is
 * neither is refused without quoting it, since it may hold other secrets.
 */
final class AdoptionKeys {
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
    private static final Set<String> PRIVATE_LABELS = Set.of("OPENSSH PRIVATE KEY", "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY",
            "DSA PRIVATE KEY");
    private static final Pattern FINGERPRINT = Pattern.compile("SHA256:[A-Za-z0-9+/]{43}");
    private static final byte[] OPENSSH_MAGIC = "openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII);

    private AdoptionKeys() {}

    /** What {@code --host-key} names, as sent: one OpenSSH public key line or a SHA256: fingerprint. */
    static String hostKey(String value) throws CliFailure {
        Optional<Path> file;
        try {
            file = Optional.of(Path.of(value)).filter(Files::exists);
        } catch (InvalidPathException e) {
            file = Optional.empty();
        }
        String text = file.isPresent() ? InputFiles.readText(file.get(), InputFiles.SMALL, "host key").strip() : value.strip();
        String named = file.map(f -> "--host-key " + f).orElse("--host-key");
        if (looksPrivate(text)) {
            throw new CliFailure(CliFailure.INPUT_ERROR, named + " is a private key: the host key is the machine's PUBLIC key "
                    + file.map(f -> "(" + f + ".pub, ").orElse("(") + "or /etc/ssh/ssh_host_ed25519_key.pub on the machine) or its SHA256: fingerprint");
        }
        if (FINGERPRINT.matcher(text).matches() || !text.contains("\n") && OpenSshFingerprint.of(text).isPresent()) {
            return text;
        }
        if (file.isEmpty() && !value.startsWith("SHA256:") && !value.strip().contains(" ")) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read host key " + value
                    + ": no such file (give an OpenSSH public key line, a file holding one, or a SHA256: fingerprint)");
        }
        throw new CliFailure(CliFailure.INPUT_ERROR, named + " is not an OpenSSH public key line (type, base64 key, optional comment) "
                + "or a SHA256: fingerprint of 43 base64 characters");
    }

    /** The bootstrap key file's text, as sent: exactly one unencrypted private key, and not the owner's. */
    static String bootstrapKey(Path file, Ed25519KeyPair owner) throws CliFailure {
        String text = InputFiles.readText(file, InputFiles.SMALL, "bootstrap key");
        List<String[]> blocks = new ArrayList<>();
        Matcher block = BLOCK.matcher(text);
        int covered = 0;
        while (block.find()) {
            blocks.add(new String[] {block.group(1), block.group(2)});
            covered += block.group().length();
        }
        for (String[] b : blocks) {
            if (isOwnersKey(b[0], b[1], owner)) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "--bootstrap-key " + file + " is your owner key: it signs your requests and "
                        + "must never leave this machine; give the SSH key that logs in to the machine now (it stops working after adoption)");
            }
        }
        if (blocks.size() != 1 || !PRIVATE_LABELS.contains(blocks.get(0)[0]) || text.strip().length() != covered) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "--bootstrap-key " + file + " is not an unencrypted OpenSSH or PEM private key "
                    + "(one -----BEGIN … PRIVATE KEY----- block and nothing else)");
        }
        if (encrypted(blocks.get(0)[0], blocks.get(0)[1])) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "--bootstrap-key " + file + " is encrypted, and the controller needs it unencrypted "
                    + "(for example a copy made with ssh-keygen -p -N '' -f COPY)");
        }
        return text;
    }

    private static boolean looksPrivate(String text) {
        return text.contains("PRIVATE KEY-----") || text.startsWith("PuTTY-User-Key-File");
    }

    private static Optional<byte[]> base64(String body) {
        try {
            return Optional.of(Base64.getMimeDecoder().decode(body.replaceAll("(?m)^[A-Za-z-]+:.*$", "")));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Whether a PEM block holds the owner's key: as PKCS#8 (same seed), as SPKI, or in OpenSSH's format (same public key). */
    private static boolean isOwnersKey(String label, String body, Ed25519KeyPair owner) {
        Optional<byte[]> der = base64(body);
        if (der.isEmpty()) {
            return false;
        }
        return switch (label) {
            case "PRIVATE KEY" -> seed(der.get()).map(seed -> seed(owner.pkcs8()).map(own -> Arrays.equals(own, seed)).orElse(false)).orElse(false);
            case "PUBLIC KEY" -> Arrays.equals(der.get(), owner.publicKey().spki());
            case "OPENSSH PRIVATE KEY" -> openSshPublicKeys(der.get()).stream().anyMatch(blob -> Arrays.equals(blob, ownerBlob(owner)));
            default -> false;
        };
    }

    private static Optional<byte[]> seed(byte[] pkcs8) {
        try {
            return ((EdECPrivateKey) KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8))).getBytes();
        } catch (GeneralSecurityException | RuntimeException notEd25519) {
            return Optional.empty();
        }
    }

    /** The owner's public key as an SSH key blob (RFC 8709 §4): string "ssh-ed25519", string key. */
    private static byte[] ownerBlob(Ed25519KeyPair owner) {
        byte[] spki = owner.publicKey().spki();
        byte[] type = "ssh-ed25519".getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(4 + type.length + 4 + 32).putInt(type.length).put(type).putInt(32)
                .put(spki, spki.length - 32, 32).array();
    }

    /**
     * The public key blobs of an {@code openssh-key-v1} file (OpenSSH PROTOCOL.key): they are stored
     * in the clear before the private section, encrypted or not.
     */
    private static List<byte[]> openSshPublicKeys(byte[] file) {
        List<byte[]> keys = new ArrayList<>();
        try {
            ByteBuffer in = ByteBuffer.wrap(file);
            byte[] magic = new byte[OPENSSH_MAGIC.length];
            in.get(magic);
            if (!Arrays.equals(magic, OPENSSH_MAGIC)) {
                return keys;
            }
            string(in);
            string(in);
            string(in);
            int count = in.getInt();
            for (int i = 0; i < count && i < 16; i++) {
                keys.add(string(in));
            }
        } catch (RuntimeException truncated) {
            return keys;
        }
        return keys;
    }

    private static boolean encrypted(String label, String body) {
        if (body.contains("Proc-Type: 4,ENCRYPTED")) {
            return true;
        }
        if (!label.equals("OPENSSH PRIVATE KEY")) {
            return false;
        }
        try {
            ByteBuffer in = ByteBuffer.wrap(base64(body).orElse(new byte[0]));
            in.position(OPENSSH_MAGIC.length);
            return !new String(string(in), StandardCharsets.US_ASCII).equals("none");
        } catch (RuntimeException unreadable) {
            return false;
        }
    }

    private static byte[] string(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("bad length");
        }
        byte[] value = new byte[length];
        in.get(value);
        return value;
    }
}
