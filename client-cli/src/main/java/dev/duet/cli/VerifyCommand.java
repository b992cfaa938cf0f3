package dev.duet.cli;

import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.Check;
import dev.duet.cli.DuetCli.JsonOption;
import dev.duet.cli.DuetCli.Verb;
import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.MalformedNoteException;
import dev.duet.log.note.SignedNote;
import dev.duet.protocol.Nonce;
import dev.duet.protocol.bundle.BundleTrust;
import dev.duet.protocol.bundle.BundleVerdict;
import dev.duet.protocol.bundle.BundleVerifier;
import dev.duet.protocol.bundle.Guarantee;
import dev.duet.protocol.policy.DeploymentPolicy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "verify", description = "Verify a CVM's evidence bundle against a deployment policy (docs/policy-file.md): the "
        + "guarantees of DESIGN §3, one verdict each. BUNDLE is a file saved by 'duet bundle'; URL is the bundle's address, "
        + "https://HOST[:PORT]/v1/cvms/ID|NAME/bundle, fetched for a fresh nonce over the TLS key the controller's evidence binds, "
        + "judged by the policy's controller rules. Exit 0 trusted, 1 not trusted, 2 usage or unreadable input.")
final class VerifyCommand extends Verb {
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(60);

    @Mixin JsonOption json;
    @Parameters(index = "0", paramLabel = "BUNDLE|URL", description = "A saved bundle, or the bundle's URL on the controller.") String source;
    @Option(names = "--policy", required = true, paramLabel = "FILE", description = "The deployment policy (.json, .yaml or .yml).") Path policyFile;
    @Option(names = "--junit", paramLabel = "FILE", description = "Also write the verdict as a JUnit XML report, one test case per guarantee.")
    Path junit;
    @Option(names = "--nonce", description = "For a saved bundle: the nonce it was asked for with ('duet bundle --nonce'); a URL is "
            + "always asked with a fresh one.") String nonce;
    @Option(names = "--since", paramLabel = "CHECKPOINT", description = "A signed checkpoint you already trust (a note saved by 'duet log "
            + "checkpoint --out', or the one remembered under --state-dir): verify only the history after it, with the consistency "
            + "proof from it, and list what changed since.") Path since;
    @Option(names = "--tls-pin", paramLabel = "SHA256", description = "With an https:// URL: accept only the TLS key with this SHA-256, "
            + "pinned ahead, instead of the key the controller's verified evidence binds.") String tlsPin;

    @Override
    public Integer call() throws CliFailure {
        if (junit != null) {
            DuetCli.outputFile(junit, "--junit");
        }
        DeploymentPolicy policy = DeploymentCheck.policy(policyFile);
        Optional<Checkpoint> trusted = since == null ? Optional.empty() : Optional.of(checkpoint(since));
        Instant now = Instant.now();
        Optional<URI> url = url(source);
        if (url.isPresent() && nonce != null) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "--nonce applies to a saved bundle; a URL is asked with a fresh nonce");
        }
        if (url.isEmpty() && tlsPin != null && !CliConfig.fromFile(spec, "--tls-pin")) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "--tls-pin applies to a URL, not to a saved bundle");
        }
        if (nonce != null && !Nonce.valid(nonce)) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "--nonce must be " + Nonce.RULE);
        }
        Optional<String> asked = url.isPresent() ? Optional.of(DuetCli.freshNonce()) : Optional.ofNullable(nonce);
        byte[] bundle;
        ControllerTransport transport = null;
        Optional<String> askedCvm = url.isPresent() ? Optional.of(cvmOf(url.get())) : Optional.empty();
        if (url.isPresent()) {
            URI base = URI.create(url.get().getScheme() + "://" + url.get().getRawAuthority());
            String cvm = askedCvm.get();
            transport = ControllerTransport.to(base, HTTP_TIMEOUT, tlsPin == null ? Optional.empty()
                    : Optional.of(ControllerTransport.parsePin(tlsPin)),
                    new ControllerTransport.Acceptance(policy.controller().trust(AttestationVerifier.vendorRoots()), false));
            bundle = new ControllerApi(new ControllerClient(transport, HTTP_TIMEOUT, Optional.empty()))
                    .bundleBytes(cvm, asked, trusted.map(c -> OptionalLong.of(c.size())).orElse(OptionalLong.empty()));
        } else {
            bundle = InputFiles.read(bundleFile(source), InputFiles.LARGE, "bundle");
        }
        BundleTrust trust = DeploymentCheck.trust(policy, asked, trusted, now);
        BundleVerdict verdict = BundleVerifier.verify(bundle, trust);
        if (askedCvm.isPresent()) {
            verdict = verdict.with(List.of(aboutTheCvmAsked(verdict, askedCvm.get())));
        }
        int exit = DeploymentCheck.report(verdict, policy, now, json.json, Optional.ofNullable(junit), out(), err());
        if (transport != null) {
            transport.notes().forEach(note -> err().println("duet: " + note));
            err().flush();
        }
        return exit;
    }

    /**
     * A bundle fetched by URL must be about the CVM the URL names: its nonce shows it answers this
     * request, and this shows it answers this question, not a trustworthy bundle of another CVM.
     */
    private static BundleVerdict.Graded aboutTheCvmAsked(BundleVerdict verdict, String asked) {
        Check check = verdict.facts().map(f -> Check.of(CvmRef.names(f.cvm().id(), f.cvm().name(), asked), "bundle.cvm",
                        "the CVM the URL names, " + asked, f.cvm().id() + " (" + f.cvm().name() + ")", "the CVM the bundle is about"))
                .orElseGet(() -> Check.fail("bundle.cvm", "the CVM the URL names, " + asked, "no CVM established",
                        "the bundle did not verify, so which CVM it is about is not known"));
        return new BundleVerdict.Graded(Guarantee.FRESH, check);
    }

    /** The bundle's URL, when {@code source} is one; a file name is anything that is not http(s)://. */
    private static Optional<URI> url(String source) throws CliFailure {
        if (!source.startsWith("http://") && !source.startsWith("https://")) {
            return Optional.empty();
        }
        URI base = ControllerClient.parseBase(source.replaceFirst("^(https?://[^/]*).*$", "$1"), "URL");
        return Optional.of(URI.create(base + source.substring(base.toString().length())));
    }

    private static Path bundleFile(String source) throws CliFailure {
        try {
            return Path.of(source);
        } catch (InvalidPathException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "BUNDLE: " + DuetCli.printable("'" + source + "'") + " is not a valid file name ("
                    + DuetCli.printable(e.getReason()) + ")");
        }
    }

    private static String cvmOf(URI url) throws CliFailure {
        Matcher m = ControllerApi.BUNDLE_PATH.matcher(url.getRawPath() == null ? "" : url.getRawPath());
        if (!m.matches() || url.getRawQuery() != null || url.getRawFragment() != null) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "URL: give the bundle's address, https://HOST[:PORT]/v1/cvms/ID|NAME/bundle, "
                    + "without a query (the nonce is chosen here, the history start by --since)");
        }
        try {
            return new CvmRef().convert(m.group(1));
        } catch (CommandLine.TypeConversionException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "URL: " + DuetCli.printable(e.getMessage()));
        }
    }

    private static Checkpoint checkpoint(Path file) throws CliFailure {
        String note = new String(InputFiles.read(file, InputFiles.SMALL, "checkpoint"), StandardCharsets.UTF_8);
        try {
            return Checkpoint.parse(SignedNote.parse(note).text());
        } catch (MalformedNoteException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "--since " + file + ": not a signed checkpoint: " + DuetCli.printable(e.getMessage()));
        }
    }
}
