package dev.duet.controller;

import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import dev.duet.attestation.TeeKind;
import dev.duet.attestation.intel.IntelTrust;
import dev.duet.attestation.intel.PckCertificate;
import dev.duet.attestation.intel.QuoteParser;
import dev.duet.attestation.snp.AmdTrust;
import dev.duet.attestation.source.CollateralFetcher;
import dev.duet.provisioner.azure.AzureCloud;
import dev.duet.provisioner.azure.AzureCredential;
import dev.duet.provisioner.azure.AzureVmSpec;
import dev.duet.provisioner.azure.Tee;
import dev.duet.provisioner.azure.VtpmCollector;
import dev.duet.provisioner.azure.VtpmEvidence;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * What the controller needs to create Azure confidential VMs: Resource Manager for one subscription
 * ({@link AzureCloud}), the region VMs go to, the one address their network security groups
 * admit to SSH (the controller's own, as Azure sees it), and how it reaches and attests a new VM
 * ({@link Guest}).
 */
public record AzureSupport(AzureCloud cloud, String location, String sshSource, Guest guest) {
    public AzureSupport {
        // Checked as every VM's will be, so that an operator's mistake stops the controller instead of every create.
        new AzureVmSpec("duet-check", "check", location, Tee.SNP, Tee.SNP.defaultSize(), guest.user(), "ssh-ed25519 check", sshSource);
    }

    /** Azure's defaults for reaching and attesting the VM ({@link Guest#azure}), Intel's collateral cached in {@code collateralCache}. */
    public AzureSupport(AzureCloud cloud, String location, String sshSource, Path collateralCache) {
        this(cloud, location, sshSource, Guest.azure(collateralCache));
    }

    /**
     * Where the controller gets Intel's collateral for a TD quote's platform, as a QuoteCollateralV3
     * bundle: it is logged inside the evidence it appraised. Nothing it returns is trusted for being
     * returned; the verifier checks every piece against the Intel root.
     */
    @FunctionalInterface
    public interface IntelCollateral {
        Octets bundle(PckCertificate pck) throws IOException;

        /** Intel's PCS (API v4), answers kept in {@code cache} for a day: the strict policy accepts collateral up to 30 days old. */
        static IntelCollateral pcs(Path cache) {
            CollateralFetcher fetcher = new CollateralFetcher(CollateralFetcher.AMD_KDS, CollateralFetcher.INTEL_PCS, cache,
                    Duration.ofDays(1), Clock.systemUTC());
            return pck -> {
                try {
                    return Octets.copyOf(fetcher.intelBundle(pck, true));
                } catch (MalformedEvidenceException e) {
                    throw new IOException("Intel's PCS answered with collateral that cannot be read: " + e.getMessage(), e);
                }
            };
        }
    }

    /**
     * How the controller reaches a new VM and whose roots its evidence must chain to: SSH on
     * {@code sshPort} as {@code user} (the VM's admin user), {@code awaitSetup} run first (on Azure,
     * {@code cloud-init status --wait}: cloud-init installs tpm2-tools after sshd is up; nothing when
     * empty), the vTPM evidence read with {@code collector}, the HCL report's SNP chain checked under {@code amd}, a TD quote
     * under {@code intel} against {@code intelCollateral}'s collateral. {@code simulated} says that {@code amd} and
     * {@code intel} are SIMULATED roots, which a test (or a controller told so in code, never by default) trusts
     * explicitly: the log then labels the evidence as simulated.
     */
    public record Guest(int sshPort, String user, List<String> awaitSetup, VtpmCollector.Options collector, AmdTrust amd,
            IntelTrust intel, IntelCollateral intelCollateral, boolean simulated) {
        public Guest {
            awaitSetup = List.copyOf(awaitSetup);
            if (sshPort < 1 || sshPort > 65535) {
                throw new IllegalArgumentException("not a TCP port: " + sshPort);
            }
            // The log's "simulated" must say what the roots are: evidence under other roots is never logged as real.
            if (simulated == amd.equals(AmdTrust.amd()) || simulated == intel.equals(IntelTrust.intel())) {
                throw new IllegalArgumentException(simulated ? "simulated evidence is trusted under roots other than AMD's and Intel's"
                        : "evidence not labelled simulated is trusted under AMD's and Intel's pinned roots only");
            }
        }

        /**
         * Port 22, the admin user {@code duet}, waiting for cloud-init, the collector's Azure options, AMD's and Intel's pinned
         * roots, Intel's collateral from its PCS (cached in {@code collateralCache}).
         */
        public static Guest azure(Path collateralCache) {
            return new Guest(22, AzureProvider.ADMIN, List.of("cloud-init", "status", "--wait"), VtpmCollector.Options.azure(), AmdTrust.amd(),
                    IntelTrust.intel(), IntelCollateral.pcs(collateralCache), false);
        }

        /**
         * A TD quote is appraised against Intel's collateral for its platform, fetched now and carried
         * inside the evidence, so that the log holds what it was appraised against and a user repeats the
         * appraisal offline. The platform (FMSPC) is read from the quote's PCK certificate before anything
         * is verified: it only picks which collateral to fetch, and the verifier checks the certificate.
         */
        VtpmEvidence withCollateral(VtpmEvidence evidence) throws IOException {
            if (evidence.tdQuote().isEmpty()) {
                return evidence;
            }
            PckCertificate pck;
            try {
                pck = PckCertificate.carriedBy(QuoteParser.parse(evidence.tdQuote().get().toByteArray()));
            } catch (MalformedEvidenceException e) {
                throw new IOException("the VM's TD quote has no readable PCK certificate: " + e.getMessage(), e);
            }
            try {
                return evidence.withCollateral(intelCollateral.bundle(pck));
            } catch (IOException | RuntimeException e) {
                throw new IOException("Intel's collateral for the TD quote's platform (FMSPC " + pck.fmspc().hex() + ") is unavailable: "
                        + Transitions.reason(e), e);
            }
        }

        /** The name of the root a report of this kind is checked under, as the log's {@code trust} says it. */
        String root(TeeKind kind) {
            return kind == TeeKind.TDX ? intel.name() : amd.name();
        }
    }

    /** Signs in to the public Azure cloud with {@code credential} for {@code subscription}; Intel's collateral is cached in {@code collateralCache}. */
    public static AzureSupport connect(String subscription, String location, String sshSource, AzureCredential credential,
            Path collateralCache) {
        return new AzureSupport(AzureCloud.connect(subscription, credential), location, sshSource, collateralCache);
    }
}
