package dev.duet.provisioner.attest;

import dev.duet.attestation.snp.AmdTrust;
import java.io.IOException;
import java.security.PublicKey;

/** Where a guest's attestation report comes from. */
public interface EvidenceSource {
    /** The name recorded in the log and state: "simulated-snp" or "configfs-tsm". */
    String name();

    /** Whether the evidence proves nothing about hardware (labelled so everywhere). */
    boolean simulated();

    /** The roots its reports chain to. */
    AmdTrust trust();

    /** The VCEK/VLEK certificate (DER) for its reports. */
    byte[] endorsement() throws IOException;

    /**
     * A report from the guest whose SSH host key is {@code guestHostKey}, with REPORT_DATA binding that
     * key to {@code nonce} as {@link HostKeyBinding} defines.
     */
    byte[] report(PublicKey guestHostKey, byte[] nonce) throws IOException;
}
