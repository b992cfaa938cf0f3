package dev.duet.controller;

import dev.duet.attestation.Evidence;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import dev.duet.attestation.TeeKind;
import dev.duet.attestation.snp.SevCertificateTable;
import dev.duet.provisioner.attest.ConfigFsTsm;
import dev.duet.provisioner.attest.SimulatedSnp;
import dev.duet.provisioner.attest.TsmFs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Where the controller's own evidence comes from (DESIGN §8), chosen at {@code serve}: a report
 * whose REPORT_DATA the caller computed ({@link dev.duet.attestation.ControllerKeyBinding}), with
 * the certificates that came with it.
 *
 * @param name the provider's name, as {@code serve --attestation} and the evidence document name it
 * @param tee the TEE its reports come from, as the signed CVM state names the controller's ({@code controller.tee})
 * @param source where reports come from; empty for {@link #none()}, which asks nothing of hardware
 */
public record SelfAttestation(String name, TeeKind tee, boolean simulated, Optional<Source> source) {
    /** Makes one report binding {@code reportData} (64 bytes). */
    @FunctionalInterface
    public interface Source {
        Report report(byte[] reportData) throws IOException;
    }

    /** A report as the evidence document carries it. */
    public record Report(TeeKind tee, Octets report, Octets certificates) {}

    /** Whether {@link #report} asks hardware (or a simulated chip) for anything. */
    public boolean makesReports() {
        return source.isPresent();
    }

    /** A report binding {@code reportData}; empty for {@link #none()}. */
    public Optional<Report> report(byte[] reportData) throws IOException {
        return source.isEmpty() ? Optional.empty() : Optional.of(source.get().report(reportData));
    }

    /** Development: no TEE, evidence says {@code tee: none}, and verification fails unless the user allows it. */
    public static SelfAttestation none() {
        return new SelfAttestation("none", TeeKind.NONE, false, Optional.empty());
    }

    /**
     * duet's SIMULATED SNP chip ({@link SimulatedSnp}): the real report format, signed under a root
     * generated in the data directory; its certificate table carries VCEK, ASK and ARK, so a user who
     * explicitly trusts the simulated root can check the whole chain. MEASUREMENT is a fixed digest
     * that names no code: the simulated chip did not measure the controller.
     */
    public static SelfAttestation simulatedSnp(SimulatedSnp chip) throws IOException {
        Octets certificates = new SevCertificateTable(List.of(
                new SevCertificateTable.Entry(SevCertificateTable.VCEK, Octets.copyOf(chip.vcekDer())),
                new SevCertificateTable.Entry(SevCertificateTable.ASK, Octets.copyOf(chip.askDer())),
                new SevCertificateTable.Entry(SevCertificateTable.ARK, Octets.copyOf(chip.arkDer())))).encode();
        byte[] measurement = sha384("duet simulated controller measurement v1");
        return new SelfAttestation("simulated-snp", TeeKind.SEV_SNP, true, Optional.of(reportData ->
                new Report(TeeKind.SEV_SNP, Octets.copyOf(chip.report(reportData, measurement)), certificates)));
    }

    /**
     * The controller runs in an SEV-SNP or TDX CVM: each report comes from configfs-tsm in a fresh
     * entry, refused if the entry's generation is not exactly one past its value before our inblob
     * write (another writer raced us) or if the report's REPORT_DATA is not the one asked for. The
     * auxblob is the host-supplied certificate table (SEV-SNP); a TDX quote carries its own chain.
     */
    public static SelfAttestation tsm(TsmFs fs) throws IOException {
        if (!fs.hasInterface()) {
            throw new IOException("no configfs-tsm report interface here: the controller does not run in a CVM with a TEE");
        }
        SecureRandom random = new SecureRandom();
        // One report at start-up, binding nothing (REPORT_DATA zero): which TEE this is, and that configfs-tsm answers at all.
        TeeKind kind = tsmReport(fs, random, new byte[64]).tee();
        return new SelfAttestation("tsm", kind, false, Optional.of(reportData -> tsmReport(fs, random, reportData)));
    }

    /** Where Gramine shows its attestation pseudo-files inside an SGX enclave. */
    public static final Path GRAMINE_DEFAULT = Path.of("/dev/attestation");
    private static final int MAX_QUOTE = 1 << 20;

    /**
     * The controller runs in an SGX enclave under Gramine (DESIGN §8; deploy/gramine): each report
     * is Gramine's DCAP quote for the REPORT_DATA written to {@code user_report_data}, read back from
     * {@code quote}. The pseudo-files are the enclave's own, so no other process can write between
     * the two; one report at a time keeps the controller's own threads apart. A quote carries its
     * PCK chain, so there are no separate certificates; the verifier checks the binding and
     * MRENCLAVE. Refuses to start unless {@code attestation_type} says {@code dcap}.
     */
    public static SelfAttestation gramineSgx(Path root) throws IOException {
        Path type = root.resolve("attestation_type");
        if (!Files.isRegularFile(type)) {
            throw new IOException("no Gramine attestation interface at " + root + ": the controller does not run in a Gramine SGX enclave");
        }
        String kind = Files.readString(type, StandardCharsets.US_ASCII).strip();
        if (!kind.equals("dcap")) {
            throw new IOException("Gramine's attestation type is \"" + kind + "\", not \"dcap\": the enclave's manifest must set "
                    + "sgx.remote_attestation = \"dcap\"");
        }
        Object oneAtATime = new Object();
        return new SelfAttestation("gramine-sgx", TeeKind.SGX, false, Optional.of(reportData -> {
            synchronized (oneAtATime) {
                Files.write(root.resolve("user_report_data"), reportData, StandardOpenOption.WRITE);
                try (InputStream in = Files.newInputStream(root.resolve("quote"))) {
                    byte[] quote = in.readNBytes(MAX_QUOTE + 1);
                    if (quote.length == 0 || quote.length > MAX_QUOTE) {
                        throw new IOException("Gramine's quote is empty or larger than " + MAX_QUOTE + " bytes");
                    }
                    return new Report(TeeKind.SGX, Octets.copyOf(quote), Octets.copyOf(new byte[0]));
                }
            }
        }));
    }

    private static Report tsmReport(TsmFs fs, SecureRandom random, byte[] reportData) throws IOException {
        byte[] id = new byte[8];
        random.nextBytes(id);
        ConfigFsTsm.Result result = ConfigFsTsm.request(fs, "duet-controller-" + HexFormat.of().formatHex(id), reportData);
        if (result instanceof ConfigFsTsm.Result.NoTee noTee) {
            throw new IOException(noTee.reason());
        }
        ConfigFsTsm.Result.Report report = (ConfigFsTsm.Result.Report) result;
        TeeKind tee = switch (report.provider()) {
            case "sev_guest" -> TeeKind.SEV_SNP;
            case "tdx_guest" -> TeeKind.TDX;
            default -> throw new IOException("configfs-tsm provider " + report.provider() + " is neither sev_guest nor tdx_guest");
        };
        // Belt and braces beside the generation check: a report that does not carry what we asked for is never served.
        Octets carried;
        try {
            carried = Evidence.parse(report.outblob().toByteArray()).reportData();
        } catch (MalformedEvidenceException e) {
            throw new IOException("the configfs-tsm report cannot be read: " + e.getMessage(), e);
        }
        if (!carried.contentEquals(reportData)) {
            throw new IOException("the configfs-tsm report carries REPORT_DATA " + carried.hex() + ", not the "
                    + HexFormat.of().formatHex(reportData) + " asked for");
        }
        return new Report(tee, report.outblob(), report.auxblob().orElse(Octets.copyOf(new byte[0])));
    }

    private static byte[] sha384(String label) {
        try {
            return MessageDigest.getInstance("SHA-384").digest(label.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
