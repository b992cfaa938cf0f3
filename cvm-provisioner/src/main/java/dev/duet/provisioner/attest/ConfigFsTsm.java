package dev.duet.provisioner.attest;

import dev.duet.attestation.Octets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The Linux configfs-tsm report protocol (Documentation/ABI/testing/configfs-tsm): create an entry,
 * read its generation, write the 64-byte inblob, read outblob (the report), auxblob (certificates,
 * if the provider has them) and generation again, and remove the entry. The kernel counts every
 * write to the entry in its generation, so after our one write it must be exactly one more than
 * before it; anything else means another writer wrote the entry between our write and our read,
 * and the report may be for its inblob: refused.
 */
public final class ConfigFsTsm {
    private ConfigFsTsm() {}

    public sealed interface Result {
        /** A report for our inblob, as the provider ("sev_guest", "tdx_guest") produced it. */
        record Report(String provider, Octets outblob, Optional<Octets> auxblob, long generation) implements Result {}

        /** This guest cannot produce evidence; the reason says which part is missing. */
        record NoTee(String reason) implements Result {}
    }

    private interface InblobWriter {
        void write(TsmFs fs, String entry) throws IOException;
    }

    /** A report for an inblob the caller chose. */
    public static Result request(TsmFs fs, String entry, byte[] inblob) throws IOException {
        if (inblob.length != 64) {
            throw new IllegalArgumentException("inblob is 64 bytes");
        }
        return run(fs, entry, (tsm, name) -> tsm.write(name, "inblob", inblob));
    }

    /** A report whose inblob the guest computed as the binding of its own host key to {@code nonce}. */
    public static Result requestHostKeyBinding(GuestTsmFs fs, String entry, byte[] nonce) throws IOException {
        return run(fs, entry, (tsm, name) -> fs.writeHostKeyBinding(name, nonce));
    }

    private static Result run(TsmFs fs, String entry, InblobWriter writer) throws IOException {
        if (!fs.hasInterface()) {
            return new Result.NoTee("no TEE in this guest: the kernel has no configfs-tsm report interface");
        }
        try {
            fs.mkdir(entry);
        } catch (IOException e) {
            return new Result.NoTee("no TEE in this guest: configfs-tsm is present but has no provider (" + e.getMessage() + ")");
        }
        try {
            long initial = generation(fs, entry);
            writer.write(fs, entry);
            String provider = new String(fs.read(entry, "provider"), StandardCharsets.US_ASCII).strip();
            Octets outblob = Octets.copyOf(fs.read(entry, "outblob"));
            Optional<Octets> auxblob = fs.exists(entry, "auxblob") ? Optional.of(Octets.copyOf(fs.read(entry, "auxblob")))
                    .filter(blob -> blob.length() > 0) : Optional.empty();
            long after = generation(fs, entry);
            // Our inblob write is the one write the kernel counts (generation + 1): any other means another writer's inblob.
            if (after != initial + 1) {
                throw new IOException("the report entry changed between our inblob write and reading the report (generation "
                        + (initial + 1) + " then " + after + "): another writer raced us");
            }
            return new Result.Report(provider, outblob, auxblob, after);
        } finally {
            fs.rmdir(entry);
        }
    }

    private static long generation(TsmFs fs, String entry) throws IOException {
        String text = new String(fs.read(entry, "generation"), StandardCharsets.US_ASCII).strip();
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IOException("configfs-tsm generation is not a number: " + text);
        }
    }
}
