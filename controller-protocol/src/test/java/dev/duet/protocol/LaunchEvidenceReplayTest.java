package dev.duet.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.attestation.CvmFreshBinding;
import dev.duet.attestation.Octets;
import dev.duet.attestation.azure.VtpmHostKeyBinding;
import dev.duet.log.EntryCodec;
import dev.duet.log.LogEntry;
import dev.duet.log.Sha256Hash;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PayloadCodec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A controller-created guest's attestations must be of the kind its launch entry promised: the
 * replay refuses an Azure launch answered by a raw SNP report (which binds whatever key the guest
 * that asked chose), a QEMU launch answered by Azure evidence, a simulated chip where the launch
 * said a real one, and a switch's re-attestation of another kind. The evidence itself is checked
 * elsewhere ({@link HostKeyEvidence}); here only what each entry says it is matters.
 */
class LaunchEvidenceReplayTest {
    private static final String CVM = "cvm-0123456789abcdef";
    private static final String HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIwrrfywbQSLLuW0rUZHp6TrJXuFVhuCUpmTpBLKDhb+";
    private static final String PIN = OpenSshFingerprint.of(HOST_KEY).orElseThrow();

    private final List<LogEntry> entries = new ArrayList<>();

    private void add(Payload payload) {
        Sha256Hash subjectPrev = entries.isEmpty() ? Sha256Hash.ZERO : EntryCodec.hash(entries.get(entries.size() - 1));
        long seq = entries.size() + 1L;
        entries.add(new LogEntry(seq, Instant.parse("2026-12-01T00:00:00Z").plusSeconds(seq), Optional.of(CVM), "controller",
                payload.kind().wire(), EntryCodec.canonical(PayloadCodec.encode(payload)), Sha256Hash.ZERO, Optional.of(subjectPrev)));
    }

    private void qemuLaunch(String source, boolean simulated) {
        add(new Payload.QemuLaunchStarted("guest", "ssh-ed25519 AAAA duet", "tcg", "no /dev/kvm", source, simulated, Optional.empty(),
                new Payload.GuestImage("1", "console=ttyS0", "aa", "bb", new TreeMap<>())));
    }

    private void azureLaunch() {
        add(new Payload.AzureLaunchStarted("guest", "ssh-ed25519 AAAA duet", "snp", "Standard_DC2as_v5", "westeurope", "duet-guest",
                "Canonical:ubuntu-24_04-lts:cvm:latest", "203.0.113.7/32", List.of("tpm2-tools")));
    }

    private void attested(String source, boolean simulated) {
        add(new Payload.Attestation(source, simulated, "test", Octets.fromHex("42"), Octets.fromHex("00"), Octets.fromHex(""), HOST_KEY, PIN,
                true, List.of(), source.equals(VtpmHostKeyBinding.EVIDENCE_SOURCE) ? Optional.of("vm-1") : Optional.empty()));
        add(new Payload.Adopted(HOST_KEY, PIN, List.of("bound by attestation"), Optional.empty()));
    }

    private void switchedWith(String source, boolean simulated) {
        add(new Payload.ModeChanged(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE, Optional.of(new Payload.ReAttestation.Fresh(source, simulated,
                "test", "n1", entries.size(), Octets.fromHex("00".repeat(32)), Octets.copyOf(new byte[CvmFreshBinding.bindingLength(source)]),
                Octets.fromHex("00"), Octets.fromHex(""),
                List.of()))));
    }

    private Optional<String> violation() {
        return CvmHistory.Replay.initial().then(entries).violation();
    }

    @Test
    void evidenceOfTheKindTheLaunchPromisedIsAccepted() {
        qemuLaunch("simulated-snp", true);
        attested("simulated-snp", true);
        switchedWith("simulated-snp", true);
        assertThat(violation()).isEmpty();

        entries.clear();
        azureLaunch();
        attested(VtpmHostKeyBinding.EVIDENCE_SOURCE, false);
        switchedWith(VtpmHostKeyBinding.EVIDENCE_SOURCE, false);
        assertThat(violation()).isEmpty();
    }

    @Test
    void anAzureLaunchAnsweredByARawSnpReportIsAViolation() {
        azureLaunch();
        attested("configfs-tsm", false);
        assertThat(violation()).hasValueSatisfying(v -> assertThat(v).startsWith("entry 2: ")
                .contains("the attestation is configfs-tsm evidence, but the launch promised azure-vtpm"));
    }

    @Test
    void aQemuLaunchAnsweredByAzureEvidenceIsAViolation() {
        qemuLaunch("configfs-tsm", false);
        attested(VtpmHostKeyBinding.EVIDENCE_SOURCE, false);
        assertThat(violation()).hasValueSatisfying(v -> assertThat(v).contains("azure-vtpm evidence, but the launch promised configfs-tsm"));
    }

    @Test
    void simulatedEvidenceWhereTheLaunchSaidARealChipIsAViolation() {
        qemuLaunch("configfs-tsm", false);
        attested("configfs-tsm", true);
        assertThat(violation()).hasValueSatisfying(v -> assertThat(v).contains("the attestation is simulated, but the launch said it would not be"));

        entries.clear();
        qemuLaunch("simulated-snp", true);
        attested("simulated-snp", false);
        assertThat(violation()).hasValueSatisfying(v -> assertThat(v).contains("is not simulated, but the launch said it would be"));
    }

    @Test
    void aSwitchReAttestedWithEvidenceOfAnotherKindIsAViolation() {
        azureLaunch();
        attested(VtpmHostKeyBinding.EVIDENCE_SOURCE, false);
        switchedWith("configfs-tsm", false);
        assertThat(violation()).hasValueSatisfying(v -> assertThat(v).startsWith("entry 4: ")
                .contains("the re-attestation is configfs-tsm evidence, but the launch promised azure-vtpm"));
    }

    /** An owner's machine adopted over SSH is pinned by the owner; no launch promised a kind of evidence. */
    @Test
    void aMachineAdoptedOverSshHasNoLaunchToMatch() {
        add(new Payload.SshAdoptionStarted("web", "root@10.0.0.7:22", PIN, ".ssh/authorized_keys", "ssh-ed25519 AAAAcontroller duet"));
        add(new Payload.Adopted(HOST_KEY, PIN, List.of("host key matches the pin"), Optional.empty()));
        switchedWith("configfs-tsm", false);
        assertThat(violation()).isEmpty();
        assertThat(CvmHistory.Replay.initial().then(entries).launchEvidence()).isEmpty();
    }
}
