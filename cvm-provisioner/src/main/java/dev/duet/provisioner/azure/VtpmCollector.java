package dev.duet.provisioner.azure;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import dev.duet.attestation.azure.HclReport;
import dev.duet.attestation.azure.HclReportParser;
import dev.duet.attestation.azure.TdReportStruct;
import dev.duet.attestation.azure.TpmQuoteParser;
import dev.duet.provisioner.ssh.CommandOutcome;
import dev.duet.provisioner.ssh.RemoteCommand;
import dev.duet.provisioner.ssh.SshConnection;
import dev.duet.provisioner.ssh.SshFailure;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Collects an Azure confidential VM's vTPM evidence through the controller's SSH session to it,
 * with tpm2-tools in the guest: the HCL report from NV index {@value #HCL_REPORT_INDEX}, a quote of
 * the SHA-256 PCRs 0-23 by the attestation key at {@value #ATTESTATION_KEY} qualified by the
 * caller's nonce, and from Azure's instance metadata service (IMDS), with curl, what vouches for the
 * HCL report's hardware report: for SEV-SNP the VCEK (THIM), for TDX the TD quote of its TD report.
 *
 * <p>Everything the guest answers is untrusted: each answer is bounded, decoded strictly and parsed
 * as {@link dev.duet.attestation.azure.AzureEvidenceParser} parses it, or refused with a typed
 * {@link VtpmCollectionException}. Nothing the guest says is checked for truth here; that is
 * {@link dev.duet.attestation.azure.AzureVtpmVerifier}'s work. Every argument reaches the guest's
 * shell single-quoted ({@link RemoteCommand}); the scripts take them as positional parameters.
 * IMDS is asked with {@code --noproxy '*'}, as Azure documents: it answers only on the link-local
 * address, never through a proxy a guest's environment may name.
 */
public final class VtpmCollector {
    /** Where Azure's paravisor (HCL) writes its report. */
    public static final String HCL_REPORT_INDEX = "0x01400001";
    /** The persistent handle of the vTPM attestation key the HCL report's claims name (HCLAkPub). */
    public static final String ATTESTATION_KEY = "0x81000003";
    /** The kernel's TPM resource manager: several tpm2-tools runs do not exhaust the TPM's object slots. */
    public static final String DEVICE_TCTI = "device:/dev/tpmrm0";
    /** Azure IMDS's THIM endpoint: the VCEK of the chip the VM runs on, as PEM in JSON. */
    public static final URI THIM = URI.create("http://169.254.169.254/metadata/THIM/amd/certification");
    /**
     * Azure IMDS's quoting endpoint for TDX guests: given {@code {"report": base64url(TD report)}} it
     * answers {@code {"quote": base64url(TD quote)}}, made by the host's quoting enclave (the guest's
     * own TD cannot reach one; the paravisor's TD report is the guest's only hardware evidence).
     */
    public static final URI TD_QUOTE = URI.create("http://169.254.169.254/acc/tdquote");
    /**
     * /dev/tpmrm0 is root's (group tss once tpm-udev is installed); Azure's provisioning gives the
     * admin user password-less sudo, so the tools run under {@code sudo -n}, which fails rather than
     * waiting for a password that will never come.
     */
    public static final List<String> SUDO = List.of("sudo", "-n");
    private static final String PCRS = "sha256:0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23";
    private static final int PCR_COUNT = 24;
    private static final int PCR_SIZE = 32;
    /** A TPMS_ATTEST quote is a few hundred bytes; a TPMT_SIGNATURE at most 518 (4,096-bit RSA). */
    private static final int MAX_MESSAGE = 1024;
    private static final int MAX_SIGNATURE = 2 + 2 + 2 + 512;
    /** Three base64 lines of at most the sizes above. */
    private static final int MAX_QUOTE_OUTPUT = 4 * 1024;
    /** The THIM answer is a VCEK and a two-certificate chain in PEM: a few KiB. */
    private static final int MAX_THIM_OUTPUT = 64 * 1024;
    /** A TD quote with its PCK chain is about 5 KiB, 7 KiB in base64 inside the JSON answer. */
    private static final int MAX_TD_QUOTE_OUTPUT = 64 * 1024;
    private static final int MAX_STDERR = 4 * 1024;
    private static final Pattern HEX = Pattern.compile("([0-9a-f]{2}){1,64}");
    private static final Pattern BASE64_LINE = Pattern.compile("[A-Za-z0-9+/]*={0,2}");
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    /**
     * $1 TCTI, $2 key handle, $3 PCR selection, $4 qualifying data (hex). The three files tpm2_quote
     * writes (TPMS_ATTEST, TPMT_SIGNATURE, raw PCR values) come back as three base64 lines; the
     * directory is the guest's own temporary one and goes when the script ends.
     */
    private static final String QUOTE = "set -e; d=$(mktemp -d); trap 'rm -rf \"$d\"' EXIT; "
            + "tpm2_quote -T \"$1\" -c \"$2\" -l \"$3\" -q \"$4\" -g sha256 -m \"$d/m\" -s \"$d/s\" -o \"$d/p\" --pcrs_format values"
            + " >/dev/null; for f in m s p; do base64 -w0 \"$d/$f\"; echo; done";

    /**
     * How to reach the TPM: {@code asTpmUser} goes in front of each tpm2-tools command ({@link #SUDO}
     * on Azure, nothing where the login user may use the TPM already), {@code tcti} names the TPM
     * ({@link #DEVICE_TCTI}; a test names its software TPM), {@code thim} the VCEK's source and
     * {@code tdQuote} the TD quote's.
     */
    public record Options(List<String> asTpmUser, String tcti, URI thim, URI tdQuote, Duration timeout) {
        public Options {
            asTpmUser = List.copyOf(asTpmUser);
            for (URI endpoint : List.of(thim, tdQuote)) {
                if (endpoint.getScheme() == null || !endpoint.getScheme().matches("https?") || endpoint.getHost() == null) {
                    throw new IllegalArgumentException("the IMDS endpoints (THIM, TD quote) must be http(s) URLs");
                }
            }
            if (tcti.isEmpty() || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("a TCTI and a positive timeout are needed");
            }
        }

        public static Options azure() {
            return new Options(SUDO, DEVICE_TCTI, THIM, TD_QUOTE, Duration.ofSeconds(60));
        }
    }

    private final Options options;

    public VtpmCollector(Options options) {
        this.options = options;
    }

    /**
     * The guest's evidence for {@code qualifyingData} (what {@code VtpmHostKeyBinding.nonce} makes),
     * with the VCEK when its HCL report holds an SEV-SNP report and the TD quote when it holds a TD
     * report; parsed once here so that a malformed answer fails as
     * {@link VtpmCollectionException.Kind#MALFORMED} rather than later. Which TEE the guest runs is
     * what its HCL report says: the caller compares it with the one it asked for.
     */
    public VtpmEvidence collect(SshConnection guest, Octets qualifyingData) throws VtpmCollectionException {
        String nonce = qualifyingData.hex();
        if (!HEX.matcher(nonce).matches()) {
            throw new IllegalArgumentException("the qualifying data is 1 to 64 bytes (a TPM2B_DATA)");
        }
        Octets hcl = hclReport(guest);
        boolean tdx;
        try {
            tdx = HclReportParser.parse(hcl.toByteArray()).hardware() instanceof HclReport.Tdx;
        } catch (MalformedEvidenceException e) {
            throw new VtpmCollectionException(VtpmCollectionException.Kind.MALFORMED, "the guest's HCL report: " + e.getMessage());
        }
        List<Octets> quote = quote(guest, nonce);
        Optional<Octets> vcek = tdx ? Optional.empty() : Optional.of(vcek(guest));
        Optional<Octets> tdQuote = tdx ? Optional.of(tdQuote(guest, hcl)) : Optional.empty();
        Octets signature;
        try {
            signature = TpmQuoteParser.rsassaSignature(quote.get(1).toByteArray());
        } catch (MalformedEvidenceException e) {
            throw new VtpmCollectionException(VtpmCollectionException.Kind.MALFORMED, "the guest's quote signature: " + e.getMessage());
        }
        byte[] values = quote.get(2).toByteArray();
        if (values.length != PCR_COUNT * PCR_SIZE) {
            throw new VtpmCollectionException(VtpmCollectionException.Kind.MALFORMED, "the guest gave " + values.length
                    + " bytes of PCR values, not the " + PCR_COUNT + " SHA-256 values quoted");
        }
        List<Octets> pcrs = new ArrayList<>();
        for (int i = 0; i < PCR_COUNT; i++) {
            pcrs.add(Octets.copyOfRange(values, i * PCR_SIZE, (i + 1) * PCR_SIZE));
        }
        VtpmEvidence evidence = new VtpmEvidence(hcl, quote.get(0), signature, pcrs, vcek, tdQuote, Optional.empty());
        try {
            evidence.parse();
        } catch (MalformedEvidenceException e) {
            throw new VtpmCollectionException(VtpmCollectionException.Kind.MALFORMED, "the guest's evidence: " + e.getMessage());
        }
        return evidence;
    }

    private Octets hclReport(SshConnection guest) throws VtpmCollectionException {
        List<String> argv = new ArrayList<>(options.asTpmUser());
        argv.addAll(List.of("tpm2_nvread", "-T", options.tcti(), "-C", "o", HCL_REPORT_INDEX));
        byte[] out = stdout(guest, argv, HclReportParser.MAX_SIZE, "reading the HCL report (tpm2_nvread)");
        if (out.length == 0) {
            throw new VtpmCollectionException(VtpmCollectionException.Kind.MALFORMED, "the guest's HCL report is empty");
        }
        return Octets.copyOf(out);
    }

    private List<Octets> quote(SshConnection guest, String nonce) throws VtpmCollectionException {
        List<String> argv = new ArrayList<>(options.asTpmUser());
        argv.addAll(List.of("sh", "-c", QUOTE, "sh", options.tcti(), ATTESTATION_KEY, PCRS, nonce));
        String text = new String(stdout(guest, argv, MAX_QUOTE_OUTPUT, "quoting the PCRs (tpm2_quote)"), StandardCharsets.US_ASCII);
        String[] lines = text.split("\n", -1);
        if (lines.length != 4 || !lines[3].isEmpty()) {
            throw new VtpmCollectionException(VtpmCollectionException.Kind.MALFORMED, "the guest's quote is not three base64 lines");
        }
        int[] limits = {MAX_MESSAGE, MAX_SIGNATURE, PCR_COUNT * PCR_SIZE};
        List<Octets> parts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            if (!BASE64_LINE.matcher(lines[i]).matches() || lines[i].length() > (limits[i] + 2) / 3 * 4) {
                throw new VtpmCollectionException(VtpmCollectionException.Kind.MALFORMED, "line " + (i + 1)
                        + " of the guest's quote is not base64 of at most " + limits[i] + " bytes");
            }
            try {
                parts.add(Octets.copyOf(Base64.getDecoder().decode(lines[i])));
            } catch (IllegalArgumentException e) {
                throw new VtpmCollectionException(VtpmCollectionException.Kind.MALFORMED, "line " + (i + 1)
                        + " of the guest's quote is not base64");
            }
        }
        return parts;
    }

    /**
     * The VCEK as THIM serves it ({@code {"vcekCert": PEM, "certificateChain": PEM, "tcbm": ...}}).
     * Only the VCEK is taken: the chain above it is the verifier's own AMD roots, never the guest's.
     */
    private Octets vcek(SshConnection guest) throws VtpmCollectionException {
        String body = imdsMember(guest, List.of("-H", "Metadata: true", options.thim().toString()), MAX_THIM_OUTPUT,
                "fetching the VCEK from the instance metadata service (curl)", "THIM answer", "vcekCert").strip();
        String begin = "-----BEGIN CERTIFICATE-----";
        String end = "-----END CERTIFICATE-----";
        if (!body.startsWith(begin) || !body.endsWith(end)) {
            throw new VtpmCollectionException(VtpmCollectionException.Kind.MALFORMED, "the guest's \"vcekCert\" is not one PEM certificate");
        }
        try {
            return Octets.copyOf(Base64.getMimeDecoder().decode(body.substring(begin.length(), body.length() - end.length())));
        } catch (IllegalArgumentException e) {
            throw new VtpmCollectionException(VtpmCollectionException.Kind.MALFORMED, "the guest's \"vcekCert\" is not base64");
        }
    }

    /**
     * The TD quote IMDS makes of the HCL report's TD report (its first {@value TdReportStruct#SIZE}
     * bytes after the header), as Azure's own attester asks for it.
     */
    private Octets tdQuote(SshConnection guest, Octets hcl) throws VtpmCollectionException {
        byte[] report = Arrays.copyOfRange(hcl.toByteArray(), HclReport.HEADER_SIZE, HclReport.HEADER_SIZE + TdReportStruct.SIZE);
        String body = "{\"report\":\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(report) + "\"}";
        String quote = imdsMember(guest, List.of("-H", "Content-Type: application/json", "--data-binary", body, options.tdQuote().toString()),
                MAX_TD_QUOTE_OUTPUT, "asking the instance metadata service for the TD quote (curl)", "TD quote answer", "quote");
        try {
            return Octets.copyOf(Base64.getUrlDecoder().decode(quote));
        } catch (IllegalArgumentException e) {
            throw new VtpmCollectionException(VtpmCollectionException.Kind.MALFORMED, "the guest's \"quote\" is not base64url");
        }
    }

    /**
     * The string {@code member} of IMDS's JSON answer to curl run in the guest with {@code request}
     * (the arguments after the ones every IMDS request takes), at most {@code cap} bytes.
     */
    private String imdsMember(SshConnection guest, List<String> request, int cap, String what, String answer, String member)
            throws VtpmCollectionException {
        List<String> argv = new ArrayList<>(List.of("curl", "-sS", "--fail", "--noproxy", "*", "--max-time", "20", "--max-filesize",
                String.valueOf(cap)));
        argv.addAll(request);
        byte[] out = stdout(guest, argv, cap, what);
        JsonNode value;
        try {
            JsonNode root = JSON.readTree(out);
            value = root == null ? null : root.get(member);
        } catch (IOException e) {
            throw new VtpmCollectionException(VtpmCollectionException.Kind.MALFORMED, "the guest's " + answer + " is not JSON");
        }
        if (value == null || !value.isTextual()) {
            throw new VtpmCollectionException(VtpmCollectionException.Kind.MALFORMED, "the guest's " + answer + " has no \"" + member
                    + "\" string");
        }
        return value.asText();
    }

    /** The command's whole stdout if it exited 0 within {@code cap} bytes; a typed failure otherwise. */
    private byte[] stdout(SshConnection guest, List<String> argv, int cap, String what) throws VtpmCollectionException {
        CommandOutcome outcome;
        try {
            outcome = guest.run(new RemoteCommand(argv, options.timeout(), Math.max(cap, MAX_STDERR)));
        } catch (SshFailure e) {
            throw new VtpmCollectionException(VtpmCollectionException.Kind.TRANSPORT, what + ": " + e.getMessage());
        }
        if (outcome.timedOut()) {
            throw new VtpmCollectionException(VtpmCollectionException.Kind.TRANSPORT, what + ": no answer within " + options.timeout());
        }
        int status = outcome.exitStatus().orElse(-1);
        if (status != 0) {
            String stderr = printable(outcome.stderr().bytes());
            boolean missing = status == 127 || stderr.contains("a password is required");
            throw new VtpmCollectionException(missing ? VtpmCollectionException.Kind.TOOLS_MISSING : VtpmCollectionException.Kind.COMMAND_FAILED,
                    what + " failed (" + outcome.exitSignal().map(s -> "signal " + s).orElse("exit status " + status) + "): " + stderr);
        }
        if (outcome.stdout().totalBytes() > cap) {
            throw new VtpmCollectionException(VtpmCollectionException.Kind.TOO_LARGE, what + ": the guest wrote "
                    + outcome.stdout().totalBytes() + " bytes; a genuine answer has at most " + cap);
        }
        return outcome.stdout().bytes();
    }

    /** The guest's stderr for a reason: its last 200 characters, anything but printable ASCII as '?'. */
    private static String printable(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.US_ASCII).strip().replaceAll("[^\\x20-\\x7e]", "?");
        return text.length() > 200 ? "..." + text.substring(text.length() - 200) : text;
    }
}
