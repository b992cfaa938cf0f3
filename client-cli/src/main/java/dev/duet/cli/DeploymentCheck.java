package dev.duet.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.duet.attestation.AttestationVerifier;
import dev.duet.log.note.Checkpoint;
import dev.duet.protocol.bundle.BundleTrust;
import dev.duet.protocol.bundle.BundleVerdict;
import dev.duet.protocol.policy.DeploymentPolicy;
import dev.duet.protocol.policy.DeploymentPolicyException;
import dev.duet.protocol.policy.DeploymentPolicyParser;
import dev.duet.protocol.report.BundleReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * The parts of {@code duet verify BUNDLE|URL --policy FILE} around the bundle verifier
 * (docs/policy-file.md): the policy file read, the trust it gives the verification (the vendors'
 * roots, the controller builds and minimum TCB it accepts, duet's simulated root only when the policy
 * names its fingerprint, the CVM appraisal policy), the verdict judged by the policy, reported as
 * text or JSON and, when asked, as a JUnit file, and the exit code: 0 trusted, 1 not trusted, 2 (a
 * {@link CliFailure}) usage or unreadable input.
 */
final class DeploymentCheck {
    static final int TRUSTED = 0;

    private DeploymentCheck() {}

    /** The policy file: JSON when it ends in .json, YAML when in .yaml or .yml; anything wrong with it is exit 2, naming the key. */
    static DeploymentPolicy policy(Path file) throws CliFailure {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        DeploymentPolicyParser.Syntax syntax;
        if (name.endsWith(".json")) {
            syntax = DeploymentPolicyParser.Syntax.JSON;
        } else if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            syntax = DeploymentPolicyParser.Syntax.YAML;
        } else {
            throw new CliFailure(CliFailure.INPUT_ERROR, "policy " + file + ": name it .json, .yaml or .yml, so its syntax is not guessed");
        }
        byte[] bytes = InputFiles.read(file, InputFiles.SMALL, "policy");
        try {
            return DeploymentPolicyParser.parse(bytes, syntax);
        } catch (DeploymentPolicyException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "policy " + file + ": " + DuetCli.printable(e.getMessage()));
        }
    }

    /** Whom the bundle verification trusts: the vendors' pinned roots, and what the policy adds; the nonce and checkpoint are the user's. */
    static BundleTrust trust(DeploymentPolicy policy, Optional<String> nonce, Optional<Checkpoint> trustedCheckpoint, Instant now) {
        return policy.bundleTrust(AttestationVerifier.vendorRoots(), nonce, trustedCheckpoint, now);
    }

    /**
     * Reports the verdict, judged by the policy, and returns the exit code. The JUnit file is written
     * first, so that a CI job that cannot get its report fails with exit 2 rather than pass unseen.
     * With {@code json}, stdout is one JSON document and the SIMULATED warnings go to stderr as well.
     */
    static int report(BundleVerdict verdict, DeploymentPolicy policy, Instant now, boolean json, Optional<Path> junit, PrintWriter out,
            PrintWriter err) throws CliFailure {
        BundleVerdict judged = policy.judge(verdict, now);
        if (junit.isPresent()) {
            writeJunit(junit.get(), BundleReport.junit(judged, now));
        }
        if (json) {
            BundleReport.simulatedWarnings(judged).forEach(w -> err.println("WARNING: " + w));
            err.flush();
            try {
                out.println(ControllerClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(BundleReport.json(judged, now)));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a tree of strings and numbers is always JSON", e);
            }
        } else {
            out.print(BundleReport.text(judged));
        }
        out.flush();
        return exitCode(judged);
    }

    static int exitCode(BundleVerdict judged) {
        return judged.trusted() ? TRUSTED : CliFailure.CHECK_FAILED;
    }

    /** Checked before anything is fetched ({@link DuetCli#outputFile}), written whole after. */
    static void writeJunit(Path file, String xml) throws CliFailure {
        DuetCli.outputFile(file, "--junit");
        try {
            Files.writeString(file, xml, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "cannot write --junit " + file + ": " + InputFiles.describe(e));
        }
    }
}
