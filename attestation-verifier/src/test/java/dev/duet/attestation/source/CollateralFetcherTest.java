package dev.duet.attestation.source;

import static dev.duet.attestation.TestVectors.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.duet.attestation.Check;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.intel.IntelTrust;
import dev.duet.attestation.intel.Quote;
import dev.duet.attestation.intel.QuoteParser;
import dev.duet.attestation.intel.QuoteVerification;
import dev.duet.attestation.intel.QuoteVerifier;
import dev.duet.attestation.x509.SignatureCache;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PCS fetcher against a local server laid out like Intel's API v4; nothing leaves the machine. */
class CollateralFetcherTest {
    @TempDir Path cache;

    @Test
    void fetchedCollateralVerifiesAndIsServedFromTheCacheAfterwards() throws Exception {
        Map<String, Integer> hits = new ConcurrentHashMap<>();
        String chain = new String(bytes("roots/intel/intel_sgx_tcb_signing_notafter2032.pem"), StandardCharsets.US_ASCII)
                + new String(bytes("roots/intel/intel_sgx_root_ca.pem"), StandardCharsets.US_ASCII);
        HttpServer pcs = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        serve(pcs, "/tdx/certification/v4/tcb", "fmspc=00a06d080000",
                bytes("tdx/collateral/tdx_tcbinfo_00a06d080000_trustee.json"), "TCB-Info-Issuer-Chain", chain, hits);
        serve(pcs, "/tdx/certification/v4/qe/identity", null, bytes("tdx/collateral/tdx_qe_identity_trustee.json"),
                "SGX-Enclave-Identity-Issuer-Chain", chain, hits);
        serve(pcs, "/sgx/certification/v4/pckcrl", "ca=platform&encoding=der",
                bytes("sgx/collateral/pck_platform_crl_2025_automata.der"), null, null, hits);
        pcs.start();
        try {
            Instant at = Instant.parse("2025-11-01T00:00:00Z");
            Quote quote = QuoteParser.parse(bytes("tdx/v4_gnr_trustee_quote.dat"));
            QuoteVerifier verifier = new QuoteVerifier(IntelTrust.intel(), SignatureCache.create());
            CollateralFetcher fetcher = new CollateralFetcher(URI.create("http://unused.invalid"),
                    URI.create("http://127.0.0.1:" + pcs.getAddress().getPort()), cache, Duration.ofHours(24),
                    Clock.fixed(Instant.now(), ZoneOffset.UTC));
            Collateral fetched = fetcher.intel(verifier.verify(quote, Collateral.none(), at).pck().orElseThrow(), true);
            assertThat(fetched.certificates()).hasSize(4);
            assertThat(fetched.crls()).hasSize(1);
            QuoteVerification result = verifier.verify(quote, fetched, Instant.parse("2025-08-20T00:00:00Z"));
            assertThat(result.checks()).filteredOn(c -> c.id().equals("dcap.tcb-info") || c.id().equals("dcap.crl"))
                    .allMatch(Check::passed).hasSize(2);
            fetcher.intel(result.pck().orElseThrow(), true);
            assertThat(hits).containsEntry("/tdx/certification/v4/tcb", 1).containsEntry("/sgx/certification/v4/pckcrl", 1);
            try (var files = Files.list(cache)) {
                assertThat(files.filter(f -> f.toString().endsWith(".tmp"))).isEmpty();
            }
        } finally {
            pcs.stop(0);
        }
    }

    @Test
    void anErrorStatusIsAnIoErrorNotCollateral() throws Exception {
        HttpServer pcs = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        pcs.createContext("/", exchange -> {
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        pcs.start();
        try {
            Quote quote = QuoteParser.parse(bytes("tdx/v4_gnr_trustee_quote.dat"));
            CollateralFetcher fetcher = new CollateralFetcher(URI.create("http://unused.invalid"),
                    URI.create("http://127.0.0.1:" + pcs.getAddress().getPort()), cache, Duration.ofHours(24), Clock.systemUTC());
            var pck = new QuoteVerifier(IntelTrust.intel(), SignatureCache.none())
                    .verify(quote, Collateral.none(), Instant.parse("2025-11-01T00:00:00Z")).pck().orElseThrow();
            assertThatThrownBy(() -> fetcher.intel(pck, true)).isInstanceOf(IOException.class).hasMessageContaining("HTTP 503");
        } finally {
            pcs.stop(0);
        }
    }

    @Test
    void aFailedFetchNamesTheUrlAndTheCause() throws Exception {
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        CollateralFetcher fetcher = new CollateralFetcher(URI.create("http://127.0.0.1:" + closed), URI.create("http://unused.invalid"),
                cache, Duration.ofHours(24), Clock.systemUTC());
        dev.duet.attestation.snp.SnpReport report = dev.duet.attestation.snp.SnpReportParser.parse(
                bytes("snp/milan_v3_oak_report.bin"));
        assertThatThrownBy(() -> fetcher.vcek(dev.duet.attestation.snp.SnpProduct.MILAN, report.chipId(),
                dev.duet.attestation.snp.TcbVersion.decode(report.reportedTcb(), dev.duet.attestation.snp.SnpProduct.MILAN)))
                .isInstanceOfSatisfying(CollateralFetcher.FetchFailure.class, failure -> {
                    assertThat(failure.uri().toString()).startsWith("http://127.0.0.1:" + closed + "/vcek/v1/Milan/");
                    assertThat(failure.getCause()).isInstanceOf(java.net.ConnectException.class);
                    assertThat(failure.getMessage()).startsWith("cannot fetch http://127.0.0.1:" + closed + "/vcek/v1/Milan/");
                });
    }

    @Test
    void anAnswerLargerThanAnyCollateralIsRefusedWhileItArrives() throws Exception {
        HttpServer kds = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        kds.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            byte[] chunk = new byte[1 << 16];
            try (var out = exchange.getResponseBody()) {
                for (long sent = 0; sent <= CollateralFetcher.MAX_RESPONSE_BYTES; sent += chunk.length) {
                    out.write(chunk);
                }
            } catch (IOException closedByTheClient) {
                // The fetcher stops reading once the limit is passed.
            }
            exchange.close();
        });
        kds.start();
        try {
            CollateralFetcher fetcher = new CollateralFetcher(URI.create("http://127.0.0.1:" + kds.getAddress().getPort()),
                    URI.create("http://unused.invalid"), cache, Duration.ofHours(24), Clock.systemUTC());
            assertThatThrownBy(() -> fetcher.amdCrl(dev.duet.attestation.snp.SnpProduct.MILAN))
                    .isInstanceOf(CollateralFetcher.FetchFailure.class).hasMessageContaining("more than 16 MiB");
            try (var files = Files.list(cache)) {
                assertThat(files).isEmpty();
            }
        } finally {
            kds.stop(0);
        }
    }

    private static void serve(HttpServer server, String path, String query, byte[] body, String header, String chain,
            Map<String, Integer> hits) {
        server.createContext(path, exchange -> {
            hits.merge(path, 1, Integer::sum);
            boolean right = exchange.getRequestURI().getPath().equals(path)
                    && (query == null || query.equals(exchange.getRequestURI().getQuery()));
            if (right && header != null) {
                exchange.getResponseHeaders().add(header, URLEncoder.encode(chain, StandardCharsets.UTF_8));
            }
            exchange.sendResponseHeaders(right ? 200 : 404, right ? body.length : -1);
            if (right) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
    }
}
