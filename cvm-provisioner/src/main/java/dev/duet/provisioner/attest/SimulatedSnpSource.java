package dev.duet.provisioner.attest;

import dev.duet.attestation.snp.AmdTrust;
import java.io.IOException;
import java.security.PublicKey;

/**
 * The host-side stand-in for SNP firmware: it knows the host key the provider launched the guest
 * with (as firmware knows what it measured) and signs a report binding that key, with the image's
 * simulated launch digest as MEASUREMENT. SIMULATED: see {@link SimulatedSnp}.
 */
public final class SimulatedSnpSource implements EvidenceSource {
    private final SimulatedSnp chip;
    private final byte[] measurement;

    public SimulatedSnpSource(SimulatedSnp chip, byte[] measurement) {
        this.chip = chip;
        this.measurement = measurement.clone();
    }

    @Override
    public String name() {
        return "simulated-snp";
    }

    @Override
    public boolean simulated() {
        return true;
    }

    @Override
    public AmdTrust trust() {
        return chip.trust();
    }

    @Override
    public byte[] endorsement() throws IOException {
        return chip.vcekDer();
    }

    @Override
    public byte[] report(PublicKey guestHostKey, byte[] nonce) {
        return chip.report(HostKeyBinding.reportData(guestHostKey, nonce), measurement);
    }
}
