package dev.duet.protocol.policy;

import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.ControllerEvidenceVerdict;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.Evidence;
import dev.duet.attestation.Octets;
import dev.duet.attestation.TestVectors;
import dev.duet.attestation.Verdict;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.collateral.CollateralParser;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.snp.EndorsementCertificate;
import dev.duet.attestation.snp.SevCertificateTable;
import dev.duet.log.Sha256Hash;
import dev.duet.log.note.Checkpoint;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.EvidenceVerdict;
import dev.duet.protocol.EvidenceVerifier;
import dev.duet.protocol.StrictJson;
import dev.duet.protocol.bundle.DeploymentFacts;
import dev.duet.protocol.entry.Payload;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Deployment facts for policy tests, built directly, with the attestation verdicts in them made by
 * the real verifiers: the controller's from the simulated-SNP golden evidence (controller-protocol's
 * goldens) under the policy's own controller trust; the CVM's from AMD's and Intel's published
 * vectors (attestation-verifier's test resources) under the policy's CVM appraisal policy.
 */
final class Deployments {
    /** When the golden controller evidence is checked (every certificate of its chain is valid then). */
    static final Instant CONTROLLER_TIME = Instant.parse("2027-06-01T00:00:00Z");
    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    static final Instant TDX_TIME = Instant.parse("2025-11-01T00:00:00Z");
    static final String CVM = "cvm-0123456789abcdef";
    /** Owner keys, fixed so that reports are the same on every run (the golden keys, in another role). */
    static final Ed25519KeyPair OWNER = key("controller-key.pem");
    static final Ed25519KeyPair OTHER_OWNER = key("another-controller-key.pem");

    private Deployments() {}

    static byte[] golden(String name) {
        try (InputStream in = Deployments.class.getResourceAsStream("/golden/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no golden " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Ed25519KeyPair key(String name) {
        try {
            return Ed25519KeyPair.parsePem(new String(golden(name), StandardCharsets.US_ASCII));
        } catch (dev.duet.protocol.KeyFormatException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The SHA-256 of the simulated ARK the golden controller evidence chains to, as its controller printed it. */
    static String simulatedArk() {
        try {
            return ControllerEvidenceVerifier.fingerprint(SevCertificateTable.parse(Octets.copyOf(golden("simulated-snp-certificates.bin")))
                    .find(SevCertificateTable.ARK).orElseThrow()).hex();
        } catch (dev.duet.attestation.MalformedEvidenceException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The golden simulated-SNP controller evidence, verified under {@code policy}'s controller trust. */
    static ControllerEvidenceVerdict controllerAttestation(DeploymentPolicy policy) {
        try {
            EvidenceVerdict verdict = EvidenceVerifier.verify(StrictJson.read(golden("evidence-simulated-snp-honest.json")), Optional.of("n1"),
                    policy.controller().trust(AttestationVerifier.vendorRoots()), CONTROLLER_TIME);
            return verdict.facts().orElseThrow().attestation();
        } catch (dev.duet.protocol.MalformedJsonException e) {
            throw new IllegalStateException(e);
        }
    }

    /** AMD's Milan report (oak), verified with its VCEK under {@code policy}'s CVM appraisal policy. */
    static Verdict milan(AppraisalPolicy policy) {
        return snp("milan_v3_oak", policy);
    }

    /** A Milan guest whose policy allows debugging (go-sev-guest's vector). */
    static Verdict milanDebug(AppraisalPolicy policy) {
        return snp("milan_v2_debug_gosevguest", policy);
    }

    private static Verdict snp(String name, AppraisalPolicy policy) {
        try {
            return AttestationVerifier.vendorRoots().verify(Evidence.parse(TestVectors.bytes("snp/" + name + "_report.bin")),
                    Optional.of(EndorsementCertificate.parse(TestVectors.bytes("snp/" + name + "_vcek.der"))), Collateral.none(), policy,
                    TestVectors.SNP_TIME);
        } catch (dev.duet.attestation.MalformedEvidenceException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Intel's Granite Rapids TDX quote (trustee), with its collateral. */
    static Verdict tdx(AppraisalPolicy policy) {
        try {
            Collateral collateral = CollateralParser.parseJson(TestVectors.bytes("tdx/collateral/tdx_tcbinfo_00a06d080000_trustee.json"))
                    .plus(CollateralParser.parseJson(TestVectors.bytes("tdx/collateral/tdx_qe_identity_trustee.json")));
            return AttestationVerifier.vendorRoots().verify(Evidence.parse(TestVectors.bytes("tdx/v4_gnr_trustee_quote.dat")), Optional.empty(),
                    collateral, policy, TDX_TIME);
        } catch (dev.duet.attestation.MalformedEvidenceException e) {
            throw new IllegalStateException(e);
        }
    }

    static DeploymentPolicy policy(String json) {
        try {
            return DeploymentPolicyParser.parse(json.getBytes(StandardCharsets.UTF_8), DeploymentPolicyParser.Syntax.JSON);
        } catch (DeploymentPolicyException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    static Payload.OwnerKey owner(Ed25519KeyPair key) {
        return new Payload.OwnerKey(key.publicKey().keyId(), key.publicKey().base64());
    }

    static DeploymentFacts.Moment at(long seq, String time) {
        return new DeploymentFacts.Moment(seq, Instant.parse(time));
    }

    /** What a bundle of a healthy deployment establishes; each test changes what it is about. */
    static final class Facts {
        Instant issuedAt = NOW.minusSeconds(60);
        Optional<String> nonce = Optional.of("n1");
        ControllerEvidenceVerdict controller;
        boolean controllerSimulated = true;
        CvmMode mode = CvmMode.IN_SERVICE;
        Optional<DeploymentFacts.Moment> modeSince = Optional.of(at(7, "2026-11-20T00:00:00Z"));
        boolean cvmSimulated = false;
        Optional<Verdict> launch;
        Optional<Verdict> fresh;
        List<Payload.OwnerKey> owners = new ArrayList<>(List.of(owner(OWNER)));
        List<DeploymentFacts.Event> history = new ArrayList<>(List.of(
                new DeploymentFacts.Event.ModeChanged(at(3, "2026-11-19T00:00:00Z"), CvmMode.PROVISIONING, CvmMode.IN_UPDATE),
                new DeploymentFacts.Event.Command(at(4, "2026-11-19T00:01:00Z"), List.of("apt-get", "install", "-y", "nginx")),
                new DeploymentFacts.Event.Command(at(5, "2026-11-19T00:02:00Z"), List.of("sh", "-c", "systemctl enable --now nginx")),
                new DeploymentFacts.Event.Command(at(6, "2026-11-19T00:03:00Z"), List.of("rmdir", "/tmp/build")),
                new DeploymentFacts.Event.ModeChanged(at(7, "2026-11-20T00:00:00Z"), CvmMode.IN_UPDATE, CvmMode.IN_SERVICE)));
        OptionalLong since = OptionalLong.empty();

        Facts(DeploymentPolicy policy) {
            controller = controllerAttestation(policy);
            launch = Optional.of(milan(policy.cvm().evidence()));
            fresh = Optional.of(milan(policy.cvm().evidence()));
        }

        DeploymentFacts build() {
            return new DeploymentFacts(issuedAt, nonce, new DeploymentFacts.Controller("c0ffee", controller.tee(), controllerSimulated, controller),
                    new DeploymentFacts.Cvm(CVM, "web", "qemu", mode, modeSince, "ssh-ed25519 AAAA", cvmSimulated, launch, fresh,
                            dev.duet.protocol.CvmHistory.Policy.BUILT_IN, 0), owners,
                    history, new Checkpoint("duet.example/log", 9, Sha256Hash.ZERO, List.of()), since);
        }
    }
}
