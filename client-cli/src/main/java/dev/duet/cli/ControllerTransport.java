package dev.duet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.attestation.ControllerEvidenceVerdict;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.Octets;
import dev.duet.attestation.TeeKind;
import dev.duet.protocol.EvidenceVerdict;
import dev.duet.protocol.EvidenceVerifier;
import dev.duet.protocol.MalformedJsonException;
import dev.duet.protocol.StrictJson;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * How the CLI reaches one controller (attested transport, RA-TLS style). Plain {@code http://} only
 * to a loopback address, and said so. {@code https://}: every connection must present one TLS key,
 * the pinned one, or it is closed in the handshake, before any byte of a request is written. The pin
 * is {@code --tls-pin} (the key's SHA-256, pinned ahead, e.g. by CI) or, by default, established
 * first: one provisional connection, which accepts whatever key it is shown and records it, fetches
 * the controller's evidence for a fresh nonce; the evidence must verify with the user's trust
 * options, be attested (or, with {@code --allow-no-tee}, come from a controller without a TEE) and
 * name and bind exactly the key that connection presented. Only then does any request go out, on
 * connections checked against that key. The certificate itself is never trusted (it is self-signed
 * and names no host); the key is, because the controller's hardware evidence binds it. One transport
 * serves every request of a verb, so the pin is established once per run.
 */
final class ControllerTransport {
    /** A connection presented another key than the pinned one: a party in the middle, or another controller. */
    static final class Untrusted extends CliFailure {
        Untrusted(String message) {
            super(CliFailure.CHECK_FAILED, message);
        }
    }

    /** What makes a controller's evidence acceptable: the roots and builds the user trusts, and whether a controller without a TEE will do. */
    record Acceptance(ControllerEvidenceVerifier.Trust trust, boolean allowNoTee) {}

    private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");

    private final URI base;
    private final Duration timeout;
    private final Optional<Octets> givenPin;
    private final Acceptance acceptance;
    private final List<String> notes = new CopyOnWriteArrayList<>();
    private HttpClient client;
    private volatile boolean answeredInPlain;

    private ControllerTransport(URI base, Duration timeout, Optional<Octets> givenPin, Acceptance acceptance) {
        this.base = base;
        this.timeout = timeout;
        this.givenPin = givenPin;
        this.acceptance = acceptance;
    }

    /** The transport to {@code base}. A plain {@code http://} URL that is not a loopback address is refused here: nothing is sent. */
    static ControllerTransport to(URI base, Duration timeout, Optional<Octets> pin, Acceptance acceptance) throws CliFailure {
        if (base.getScheme().equals("http")) {
            if (pin.isPresent()) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "--tls-pin applies to an https:// controller, not " + base);
            }
            Optional<String> refused = notLoopback(base);
            if (refused.isPresent()) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "refusing plain HTTP to " + base + ", " + refused.get() + ": anyone on "
                        + "the path could read and relay every request; use https://, which pins the controller's attested TLS key");
            }
        }
        return new ControllerTransport(base, timeout, pin, acceptance);
    }

    URI base() {
        return base;
    }

    /**
     * Why the URL's host is not this machine, or empty when it is: a loopback (or wildcard, which
     * connects here) address written as such, or {@code localhost}. Another name is not judged by
     * resolving it, since the HTTP client resolves it again to connect, and a name whose answer
     * changes in between (DNS rebinding) would take plain HTTP off the machine.
     */
    private static Optional<String> notLoopback(URI base) {
        String host = base.getHost().startsWith("[") ? base.getHost().substring(1, base.getHost().length() - 1) : base.getHost();
        if (host.equalsIgnoreCase("localhost")) {
            return Optional.empty();
        }
        if (!IPV4.matcher(host).matches() && !host.contains(":")) {
            return Optional.of("whose host is a name DNS answers for (plain HTTP goes only to localhost or to a loopback address written as one, "
                    + "such as 127.0.0.1 or [::1])");
        }
        try {
            InetAddress address = InetAddress.getByName(host);
            return address.isLoopbackAddress() || address.isAnyLocalAddress() ? Optional.empty() : Optional.of("which is not this machine");
        } catch (UnknownHostException e) {
            return Optional.of("whose host is not an address");
        }
    }

    /** The client for this controller's requests: over HTTPS, only once the key is pinned, and only to that key. */
    synchronized HttpClient client() throws CliFailure {
        if (client == null) {
            client = base.getScheme().equals("http") ? builder().build()
                    : builder().sslContext(context(new KeyTrust(Optional.of(givenPin.isPresent() ? givenPin.get() : establish())))).build();
        }
        return client;
    }

    /** Records that an answer came over plain HTTP, for {@link #plainNote}. */
    void answered() {
        if (base.getScheme().equals("http")) {
            answeredInPlain = true;
        }
    }

    /**
     * What the user must be told about this transport, one line each: a TLS key pinned with a
     * caveat (SIMULATED, INSECURE), or answers that came over plain HTTP. The CLI prints them after
     * the verb's own output, so that {@code run}'s stderr starts with the command's own bytes.
     */
    List<String> notes() {
        List<String> all = new ArrayList<>(notes);
        if (answeredInPlain) {
            all.add("plain HTTP to " + base + " (loopback, development only): the transport is not authenticated");
        }
        return all;
    }

    private HttpClient.Builder builder() {
        return HttpClient.newBuilder().connectTimeout(timeout.compareTo(Duration.ofSeconds(10)) < 0 ? timeout : Duration.ofSeconds(10));
    }

    /** Fetches and checks fresh evidence on a provisional connection; returns the SHA-256 of the key that connection presented. */
    private Octets establish() throws CliFailure {
        String nonce = DuetCli.freshNonce();
        KeyTrust provisional = new KeyTrust(Optional.empty());
        HttpClient once = builder().sslContext(context(provisional)).build();
        ControllerClient.Answer answer = ControllerClient.exchange(once, HttpRequest.newBuilder(URI.create(base
                + ControllerApi.evidencePath(nonce))).GET().build(), timeout, base);
        if (answer.status() != 200) {
            throw new ControllerClient.Refused(answer.status(), "controller answered " + answer.status() + " for its evidence; without "
                    + "it, nothing vouches for the TLS key of " + base + " and nothing is sent");
        }
        if (provisional.presented.size() != 1) {
            throw new Untrusted("the controller at " + base + " presented " + provisional.presented.size() + " TLS keys while answering "
                    + "one request; nothing is sent");
        }
        Octets presented = provisional.presented.iterator().next();
        JsonNode evidence;
        try {
            evidence = StrictJson.read(answer.body());
        } catch (MalformedJsonException e) {
            throw new ControllerClient.Unavailable("the controller at " + base + " did not answer with its evidence (" + e.getMessage() + ")");
        }
        EvidenceVerdict.Facts facts = EvidenceCheck.of(evidence, Optional.of(nonce), acceptance.trust());
        String shown = EvidenceVerifier.sha256(presented).hex();
        if (facts.tlsKey().isEmpty()) {
            throw new Untrusted("the controller at " + base + " presented TLS key SHA-256 " + shown + ", but its evidence names no TLS "
                    + "key, so nothing vouches for this connection; nothing is sent");
        }
        if (!facts.tlsKey().get().equals(presented)) {
            throw new Untrusted("the controller at " + base + " presented TLS key SHA-256 " + shown + ", but its evidence binds TLS key "
                    + EvidenceVerifier.sha256(facts.tlsKey().get()).hex() + ": a party in the middle, or another controller; nothing is sent");
        }
        if (facts.attestation() instanceof ControllerEvidenceVerdict.Attested attested) {
            if (attested.simulated()) {
                notes.add("SIMULATED: TLS key " + shown + " pinned on evidence attested only by duet's simulated SNP root "
                        + "(--trust-simulated-root); this proves nothing about hardware");
            }
        } else if (acceptance.allowNoTee() && facts.tee() == TeeKind.NONE) {
            notes.add("INSECURE: TLS key " + shown + " pinned on evidence that no TEE attests (tee: none), accepted because of "
                    + "--allow-no-tee");
        } else {
            throw new Untrusted("the TLS key of " + base + " is not attested, so nothing is sent: " + EvidenceCheck.notAttested(facts)
                    .replaceFirst("^NOT ATTESTED: ", ""));
        }
        return EvidenceVerifier.sha256(presented);
    }

    private static SSLContext context(KeyTrust trust) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trust}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java platform has TLS", e);
        }
    }

    /** A connection that presented another key than the pinned one; raised in the handshake, so no request is written. */
    static final class PinMismatch extends CertificateException {
        private final Octets presented;
        private final Octets pinned;

        PinMismatch(Octets presented, Octets pinned) {
            super("presented TLS key SHA-256 " + presented.hex() + ", not the pinned " + pinned.hex());
            this.presented = presented;
            this.pinned = pinned;
        }

        String describe(URI base) {
            return "refusing the controller at " + base + ": its connection presented TLS key SHA-256 " + presented.hex() + ", not the "
                    + "pinned key " + pinned.hex() + " (a party in the middle, or another controller); nothing was sent";
        }
    }

    /**
     * Trusts a server by its key alone. Provisional (no pin): accepts any key and records it. Pinned:
     * accepts only the key with that SHA-256. The server still proves it holds the private key
     * (TLS CertificateVerify, checked by the JDK); chain, names and dates mean nothing here.
     */
    private static final class KeyTrust extends X509ExtendedTrustManager {
        private final Optional<Octets> pin;
        final Set<Octets> presented = ConcurrentHashMap.newKeySet();

        KeyTrust(Optional<Octets> pin) {
            this.pin = pin;
        }

        private void check(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("the server presented no certificate");
            }
            Octets key = Octets.copyOf(chain[0].getPublicKey().getEncoded());
            presented.add(key);
            if (pin.isPresent() && !EvidenceVerifier.sha256(key).equals(pin.get())) {
                throw new PinMismatch(EvidenceVerifier.sha256(key), pin.get());
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("the CLI is never a TLS server");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("the CLI is never a TLS server");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("the CLI is never a TLS server");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    /** {@code --tls-pin}: the SHA-256 of the controller's TLS key (its SubjectPublicKeyInfo), 64 hex digits, as serve prints it. */
    static Octets parsePin(String text) throws CliFailure {
        if (!text.matches("[0-9a-fA-F]{64}")) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "--tls-pin takes the SHA-256 of the controller's TLS key (64 hex digits, as "
                    + "'serve' prints it and the evidence's tls_key.sha256 names it), not \"" + DuetCli.printable(text) + "\"");
        }
        return Octets.fromHex(text.toLowerCase(java.util.Locale.ROOT));
    }
}
