package dev.duet.provisioner.attest;

import dev.duet.attestation.snp.AmdTrust;
import dev.duet.provisioner.ssh.SshConnection;
import java.io.IOException;
import java.security.PublicKey;
import java.util.Optional;

/** Where a guest's attestation report comes from. */
public interface EvidenceSource {
    /** The name recorded in the log and state: "simulated-snp" or "configfs-tsm". */
    String name();

    /** Whether the evidence proves nothing about hardware (labelled so everywhere). */
    boolean simulated();

    /** The roots its reports must chain to. */
    AmdTrust trust();

    /** The MEASUREMENT a good guest has, when the source knows it; otherwise the policy cannot pin one. */
    Optional<byte[]> expectedMeasurement();

    /**
     * A report whose REPORT_DATA binds the guest's SSH host key to {@code nonce} as
     * {@link HostKeyBinding} defines, and the certificate of the key that signed it.
     */
    Attested report(Guest guest, byte[] nonce) throws IOException;

    /**
     * A fresh report for a guest already in custody, whose REPORT_DATA the caller computed
     * ({@link dev.duet.attestation.CvmFreshBinding}); {@code pinned} is the controller's session,
     * pinned to the host key the launch attestation bound. Whatever comes back is only a claim:
     * the caller checks the binding and appraises the report before it relies on it.
     */
    Attested freshReport(SshConnection pinned, byte[] reportData) throws IOException;

    /** What a source may use to reach the guest: the key it was launched with, or a provisional session. */
    record Guest(PublicKey launchedHostKey, SessionOpener provisionalSession) {}

    /**
     * Opens a session pinned to the host key the guest presented, authenticated with the controller's
     * key, for the attestation request only.
     */
    @FunctionalInterface
    interface SessionOpener {
        SshConnection open() throws IOException;
    }

    record Attested(byte[] report, byte[] endorsement) {
        public Attested {
            report = report.clone();
            endorsement = endorsement.clone();
        }

        @Override
        public byte[] report() {
            return report.clone();
        }

        @Override
        public byte[] endorsement() {
            return endorsement.clone();
        }
    }
}
