package dev.duet.cli;

import dev.duet.attestation.Evidence;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.TeeKind;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.intel.PckCertificate;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.policy.PolicyException;
import dev.duet.attestation.policy.PolicyParser;
import dev.duet.attestation.snp.EndorsementCertificate;
import dev.duet.attestation.snp.SnpProduct;
import dev.duet.attestation.snp.TcbVersion;
import dev.duet.attestation.source.CollateralFetcher;
import dev.duet.attestation.source.CollateralFiles;
import dev.duet.attestation.x509.Certificates;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * What the {@code duet attest} verbs read and fetch, each parsed at once: evidence, certificates,
 * policies, collateral, guest images, and the collateral the fetcher gets from AMD or Intel. Files
 * are read through {@link InputFiles} or {@link CollateralFiles} (regular files only, bounded); every
 * failure is a {@link CliFailure} with exit 2 and one line that names the input.
 */
final class AttestInputs {
    /** A guest kernel or initramfs is tens of MiB; this bounds the hashing of anything else given by mistake. */
    private static final long IMAGE_LIMIT = 1L << 30;

    private AttestInputs() {}

    /** The evidence file's bytes, read once: what is verified and what is printed come from the same read. */
    static byte[] evidenceBytes(Path file) throws CliFailure {
        return InputFiles.read(file, InputFiles.SMALL, "evidence");
    }

    /** A raw SNP report or DCAP quote from {@code bytes}, read from {@code file}. */
    static Evidence evidence(Path file, byte[] bytes) throws CliFailure {
        try {
            return Evidence.parse(bytes);
        } catch (MalformedEvidenceException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, file + ": " + e.getMessage());
        }
    }

    static AppraisalPolicy policy(Path file) throws CliFailure {
        byte[] bytes = InputFiles.read(file, InputFiles.SMALL, "policy");
        try {
            return PolicyParser.parse(bytes);
        } catch (PolicyException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "policy " + file + ": " + e.getMessage());
        }
    }

    static Collateral collateral(List<Path> files) throws CliFailure {
        try {
            return CollateralFiles.load(files);
        } catch (FileSystemException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read collateral " + e.getFile() + ": " + InputFiles.describe(e));
        } catch (IOException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read collateral: " + InputFiles.describe(e));
        } catch (MalformedEvidenceException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "collateral " + e.getMessage());
        }
    }

    static EndorsementCertificate endorsement(Path cert) throws CliFailure {
        byte[] bytes = InputFiles.read(cert, InputFiles.SMALL, "certificate");
        try {
            return EndorsementCertificate.parse(bytes);
        } catch (MalformedEvidenceException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, cert + ": " + e.getMessage());
        }
    }

    /** One certificate of a duet simulated SNP root directory ({@code ark.der}, {@code ask.der}). */
    static X509Certificate simulatedRootCertificate(Path directory, String name) throws CliFailure {
        Path path = directory.resolve(name);
        byte[] bytes = InputFiles.read(path, InputFiles.SMALL, "simulated root certificate");
        try {
            return Certificates.parse(bytes, path.toString());
        } catch (MalformedEvidenceException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "simulated root: " + e.getMessage());
        }
    }

    static Instant time(String at) throws CliFailure {
        try {
            return Instant.parse(at);
        } catch (DateTimeParseException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "--at " + at + " is not an ISO-8601 time such as 2025-09-01T00:00:00Z");
        }
    }

    /** SHA-384 of a guest image file. Streamed, so a large image needs no memory; only a bounded regular file, so a device or FIFO cannot hang it. */
    static byte[] sha384(Path file, String what) throws CliFailure {
        if (!Files.exists(file)) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read " + what + " " + file + ": no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read " + what + " " + file + ": not a regular file"
                    + (Files.isDirectory(file) ? " (a directory)" : ""));
        }
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest sha = MessageDigest.getInstance("SHA-384");
            byte[] buffer = new byte[1 << 16];
            long total = 0;
            for (int n; (n = in.read(buffer)) > 0;) {
                total += n;
                if (total > IMAGE_LIMIT) {
                    throw new CliFailure(CliFailure.INPUT_ERROR, what + " " + file + " is larger than "
                            + (IMAGE_LIMIT >> 20) + " MiB, the most accepted for it");
                }
                sha.update(buffer, 0, n);
            }
            return sha.digest();
        } catch (IOException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read " + what + " " + file + ": " + InputFiles.describe(e));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What {@code --fetch} gets from AMD's KDS and Intel's PCS, through a cache directory. */
    static final class Fetch {
        private final CollateralFetcher fetcher;
        private final Path cache;

        /** {@code kds} and {@code pcs} replace the vendors' URLs when given (tests); {@code cache} is the cache directory. */
        Fetch(String kds, String pcs, Path cache) throws CliFailure {
            this.cache = cache;
            this.fetcher = new CollateralFetcher(url("--kds", kds, CollateralFetcher.AMD_KDS), url("--pcs", pcs, CollateralFetcher.INTEL_PCS),
                    cache, Duration.ofHours(24), Clock.systemUTC());
        }

        EndorsementCertificate vcek(Evidence.Snp snp) throws CliFailure {
            SnpProduct product = snp.report().productFromCpuid().orElseThrow(() -> new CliFailure(CliFailure.INPUT_ERROR,
                    "a v2 report does not name its product line; fetch the VCEK yourself and pass --cert"));
            byte[] der;
            try {
                der = fetcher.vcek(product, snp.report().chipId(), TcbVersion.decode(snp.report().reportedTcb(), product));
            } catch (IOException e) {
                throw failure("the VCEK", e);
            }
            try {
                return EndorsementCertificate.parse(der);
            } catch (MalformedEvidenceException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "the fetched VCEK: " + e.getMessage());
            }
        }

        /**
         * Collateral for the platform the quote names; whether quote and collateral are genuine is decided
         * afterwards. A quote whose PCK chain cannot be read names no platform: it fails {@code dcap.pck-chain}.
         */
        Collateral intel(Evidence.Dcap dcap) throws CliFailure {
            PckCertificate pck;
            try {
                pck = PckCertificate.carriedBy(dcap.quote());
            } catch (MalformedEvidenceException unreadable) {
                return Collateral.none();
            }
            try {
                return fetcher.intel(pck, dcap.quote().tee() == TeeKind.TDX);
            } catch (IOException e) {
                throw failure("Intel collateral", e);
            } catch (MalformedEvidenceException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "fetched Intel collateral " + e.getMessage());
            }
        }

        /** "cannot fetch WHAT from URL: cause", or what went wrong with the cache directory. */
        private CliFailure failure(String what, IOException e) {
            if (e instanceof CollateralFetcher.FetchFailure fetching) {
                String cause = fetching.getCause() instanceof IOException io ? InputFiles.describe(io) : fetching.reason();
                return new CliFailure(CliFailure.INPUT_ERROR, "cannot fetch " + what + " from " + fetching.uri() + ": " + cause);
            }
            String where = e instanceof FileSystemException fs && fs.getFile() != null ? fs.getFile() : cache.toString();
            return new CliFailure(CliFailure.INPUT_ERROR, "cannot use the collateral cache " + where + ": " + InputFiles.describe(e));
        }

        private static URI url(String option, String given, URI otherwise) throws CliFailure {
            if (given == null) {
                return otherwise;
            }
            try {
                URI uri = new URI(given);
                if (uri.getScheme() == null || uri.getHost() == null) {
                    throw new CliFailure(CliFailure.INPUT_ERROR, option + " " + given + " is not an http(s) URL");
                }
                return uri;
            } catch (URISyntaxException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, option + " " + given + " is not an http(s) URL");
            }
        }
    }
}
