package dev.duet.provisioner.attest;

import dev.duet.attestation.snp.AmdTrust;
import java.io.IOException;
import java.util.Optional;

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
    public Optional<byte[]> expectedMeasurement() {
        return Optional.of(measurement.clone());
    }

    /** Binds the key the guest was launched with, as firmware binds what it measured. */
    @Override
    public Attested report(Guest guest, byte[] nonce) throws IOException {
        return new Attested(chip.report(HostKeyBinding.reportData(guest.launchedHostKey(), nonce), measurement), chip.vcekDer());
    }
}
