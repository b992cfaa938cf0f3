package dev.duet.attestation.source;

import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.collateral.CollateralParser;
import dev.duet.attestation.intel.PckCertificate;
import dev.duet.attestation.snp.SnpProduct;
import dev.duet.attestation.snp.TcbVersion;
import dev.duet.attestation.x509.Certificates;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Fetches collateral from AMD's KDS and Intel's PCS, keeping every response in a cache directory.
 * Optional and outside the pure core: whatever arrives is verified against the pinned roots like
 * offline files, so a hostile network can only withhold collateral, never forge it. A cached copy
 * younger than {@code maxAge} is used without asking the network (VCEKs never change and are kept
 * for good).
 */
public final class CollateralFetcher {
    public static final URI AMD_KDS = URI.create("https://kdsintf.amd.com");
    public static final URI INTEL_PCS = URI.create("https://api.trustedservices.intel.com");
    /** No collateral comes near this; a server that sends more is refused while it sends, before memory runs out. */
    public static final int MAX_RESPONSE_BYTES = 16 << 20;

    /**
     * A fetch that did not bring collateral: the server could not be reached, answered with an error,
     * or sent too much. Names the URL; the cause, when there is one, is the network's own error.
     */
    public static final class FetchFailure extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient URI uri;
        private final String reason;

        FetchFailure(URI uri, String reason, Throwable cause) {
            super("cannot fetch " + uri + ": " + reason, cause);
            this.uri = uri;
            this.reason = reason;
        }

        public URI uri() {
            return uri;
        }

        /** What went wrong as the fetcher saw it ("HTTP 404", "no answer"); callers may describe the cause better. */
        public String reason() {
            return reason;
        }
    }

    private final HttpClient http;
    private final URI kds;
    private final URI pcs;
    private final Path cache;
    private final Duration maxAge;
    private final Clock clock;

    public CollateralFetcher(URI kds, URI pcs, Path cache, Duration maxAge, Clock clock) {
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER).build();
        this.kds = kds;
        this.pcs = pcs;
        this.cache = cache;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    /** The VCEK for a chip and TCB (KDS {@code /vcek/v1/{product}/{hwid}?…SPL=}), DER. */
    public byte[] vcek(SnpProduct product, Octets chipId, TcbVersion tcb) throws IOException {
        Octets hwId = product.hasFmc() ? Octets.copyOfRange(chipId.toByteArray(), 0, 8) : chipId;
        String query = "blSPL=" + tcb.bootloader() + "&teeSPL=" + tcb.tee() + "&snpSPL=" + tcb.snp() + "&ucodeSPL="
                + tcb.microcode() + (tcb.fmc().isPresent() ? "&fmcSPL=" + tcb.fmc().getAsInt() : "");
        return get(kds.resolve("/vcek/v1/" + product.kdsName() + "/" + hwId.hex() + "?" + query), Duration.ofDays(36500))
                .body();
    }

    /** AMD's CRL for a product line (DER). */
    public byte[] amdCrl(SnpProduct product) throws IOException {
        return get(kds.resolve("/vcek/v1/" + product.kdsName() + "/crl"), maxAge).body();
    }

    /** TCB Info, QE identity and PCK CRL for the platform of {@code pck} (PCS API v4). */
    public Collateral intel(PckCertificate pck, boolean tdx) throws IOException, MalformedEvidenceException {
        return CollateralParser.parseJson(intelBundle(pck, tdx));
    }

    /**
     * The same collateral as one QuoteCollateralV3 bundle ({@link CollateralParser#bundle}): the form
     * a controller logs with the evidence it appraised, so that whoever re-checks the evidence offline
     * appraises it against the same signed collateral.
     */
    public byte[] intelBundle(PckCertificate pck, boolean tdx) throws IOException, MalformedEvidenceException {
        String family = tdx ? "tdx" : "sgx";
        Fetched tcb = get(pcs.resolve("/" + family + "/certification/v4/tcb?fmspc=" + pck.fmspc().hex()), maxAge);
        Fetched qe = get(pcs.resolve("/" + family + "/certification/v4/qe/identity"), maxAge);
        String ca = pck.certificate().getIssuerX500Principal().getName().contains("Processor") ? "processor" : "platform";
        Fetched crl = get(pcs.resolve("/sgx/certification/v4/pckcrl?ca=" + ca + "&encoding=der"), maxAge);
        return CollateralParser.bundle(tcb.body(), tcb.issuerChain(), qe.body(), qe.issuerChain(), crl.body());
    }

    private record Fetched(byte[] body, String issuerChain) {}

    private Fetched get(URI uri, Duration freshFor) throws IOException {
        String key = Octets.copyOf(Certificates.sha256(uri.toString().getBytes(StandardCharsets.UTF_8))).hex();
        Path body = cache.resolve(key + ".body");
        Path chain = cache.resolve(key + ".chain");
        if (Files.isRegularFile(body) && Duration.between(Files.getLastModifiedTime(body).toInstant(), clock.instant())
                .compareTo(freshFor) < 0) {
            return new Fetched(cached(body), Files.isRegularFile(chain)
                    ? new String(cached(chain), StandardCharsets.US_ASCII) : "");
        }
        HttpResponse<InputStream> response;
        try {
            response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FetchFailure(uri, "interrupted", e);
        } catch (IOException e) {
            throw new FetchFailure(uri, e.getMessage() == null ? "no answer" : e.getMessage(), e);
        }
        byte[] received;
        try (InputStream in = response.body()) {
            if (response.statusCode() != 200) {
                throw new FetchFailure(uri, "HTTP " + response.statusCode(), null);
            }
            received = in.readNBytes(MAX_RESPONSE_BYTES + 1);
        } catch (FetchFailure e) {
            throw e;
        } catch (IOException e) {
            throw new FetchFailure(uri, e.getMessage() == null ? "the answer broke off" : e.getMessage(), e);
        }
        if (received.length > MAX_RESPONSE_BYTES) {
            throw new FetchFailure(uri, "the answer is more than " + (MAX_RESPONSE_BYTES >> 20) + " MiB, more than any "
                    + "collateral", null);
        }
        List<String> chainHeaders = new ArrayList<>();
        for (String header : List.of("TCB-Info-Issuer-Chain", "SGX-Enclave-Identity-Issuer-Chain")) {
            response.headers().firstValue(header).ifPresent(value ->
                    chainHeaders.add(URLDecoder.decode(value, StandardCharsets.UTF_8)));
        }
        String issuerChain = String.join("", chainHeaders);
        Files.createDirectories(cache);
        write(body, received);
        write(chain, issuerChain.getBytes(StandardCharsets.US_ASCII));
        return new Fetched(received, issuerChain);
    }

    /** A cached response, read as carefully as a fresh one: the cache directory is the user's. */
    private static byte[] cached(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_RESPONSE_BYTES + 1);
            if (bytes.length > MAX_RESPONSE_BYTES) {
                throw new java.nio.file.FileSystemException(file.toString(), null, "a cached answer larger than "
                        + (MAX_RESPONSE_BYTES >> 20) + " MiB");
            }
            return bytes;
        }
    }

    /** Whole-file replace, so a crash never leaves half a response in the cache. */
    private static void write(Path target, byte[] bytes) throws IOException {
        Path temporary = Files.createTempFile(target.getParent(), "fetch", ".tmp");
        try {
            Files.write(temporary, bytes);
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
