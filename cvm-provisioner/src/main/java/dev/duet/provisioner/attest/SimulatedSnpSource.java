package dev.duet.provisioner.attest;

import dev.duet.attestation.snp.AmdTrust;
import dev.duet.provisioner.ssh.CommandOutcome;
import dev.duet.provisioner.ssh.RemoteCommand;
import dev.duet.provisioner.ssh.SshConnection;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
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

    /**
     * Signs the REPORT_DATA asked for, as firmware signs whatever its guest asks; the guest is not
     * involved (the simulated chip sits on the host), so a round trip over the pinned session is
     * what shows that the attested machine still answers. SIMULATED: proves nothing about hardware.
     */
    @Override
    public Attested freshReport(SshConnection pinned, byte[] reportData) throws IOException {
        CommandOutcome answer = pinned.run(new RemoteCommand(List.of("true"), Duration.ofSeconds(30), 1024));
        if (answer.exitStatus().isEmpty() || answer.exitStatus().getAsInt() != 0) {
            throw new IOException("the guest did not answer over its pinned session");
        }
        return new Attested(chip.report(reportData, measurement), chip.vcekDer());
    }
}
