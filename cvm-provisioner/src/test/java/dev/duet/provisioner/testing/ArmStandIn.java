package dev.duet.provisioner.testing;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.management.AzureEnvironment;
import com.azure.resourcemanager.resources.fluentcore.utils.ResourceManagerUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import reactor.core.publisher.Mono;

/**
 * A FAKE of Azure Resource Manager on loopback, because the real cloud cannot be reached from where
 * these tests run. It speaks the documented request and response shapes the Azure SDK uses for the
 * calls the provider makes: PUT of a resource answered 201 with an {@code Azure-AsyncOperation} to
 * poll (one "InProgress", then "Succeeded" or a configured "Failed" with its error), GET of a
 * resource or of a list ({@code {"value": [...]}}), HEAD of a resource group, DELETE answered 202
 * with a {@code Location} to poll, ARM's error body ({@code {"error": {"code", "message"}}}), and
 * 429 with Retry-After when told to throttle. It stores whatever it is sent and fills in what ARM
 * would (id, name, type, provisioningState, a public IP's address from the documentation range).
 * It serves HTTPS (the SDK's bearer-token policy refuses plain HTTP) with a self-signed certificate
 * made at start, which only {@link #httpClient()} trusts, and takes the place of Entra ID too: it
 * accepts only {@link #TOKEN}, which {@link #credential()} hands out.
 */
public final class ArmStandIn implements AutoCloseable {
    public static final String TOKEN = "fixed-test-token-not-a-real-azure-token";
    public static final String SUBSCRIPTION = "00000000-0000-4000-8000-000000000001";
    /** A documentation address (RFC 5737): never contacted. */
    public static final String PUBLIC_ADDRESS = "203.0.113.10";
    /** The properties.vmId the stand-in gives every VM (Azure's is a fresh GUID). */
    public static final String VM_UNIQUE_ID = "6F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request as received: method, path (with its query) and body. */
    public record Request(String method, String path, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private final HttpsServer server;
    private final SSLContext clientContext;
    /** Resources by lower-cased path (ARM paths are case-insensitive), each as stored. */
    private final Map<String, ObjectNode> resources = new ConcurrentSkipListMap<>();
    private final Map<String, JsonNode> operations = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> polls = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, String[]> failures = new ConcurrentHashMap<>();
    private final List<Consumer<String>> onVmCreated = new CopyOnWriteArrayList<>();
    private final AtomicInteger throttle = new AtomicInteger();
    private final AtomicInteger throttled = new AtomicInteger();
    private final AtomicInteger refuseGroupDeletes = new AtomicInteger();
    private final AtomicReference<OneAnswer> oneAnswer = new AtomicReference<>();
    private final AtomicInteger nextOperation = new AtomicInteger();
    private volatile String publicAddress = PUBLIC_ADDRESS;

    private ArmStandIn(HttpsServer server, SSLContext clientContext) {
        this.server = server;
        this.clientContext = clientContext;
    }

    public static ArmStandIn start() throws Exception {
        // The SDK polls an operation every 30 s unless told otherwise, and its Retry-After is whole seconds; this hook (the
        // SDK's own, for its recorded tests) shortens the wait for this JVM, the tests' only.
        ResourceManagerUtils.InternalRuntimeContext.setDelayProvider(interval -> Duration.ofMillis(20));
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        KeyPair keys = generator.generateKeyPair();
        Instant now = Instant.now();
        X500Name name = new X500Name("CN=arm-stand-in");
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(Duration.ofMinutes(1))), Date.from(now.plus(Duration.ofHours(1))), name, keys.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
        X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
        KeyStore serverStore = KeyStore.getInstance("PKCS12");
        serverStore.load(null, null);
        char[] password = "stand-in".toCharArray();
        serverStore.setKeyEntry("arm", keys.getPrivate(), password, new X509Certificate[] {certificate});
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(serverStore, password);
        SSLContext serverContext = SSLContext.getInstance("TLS");
        serverContext.init(keyManagers.getKeyManagers(), null, null);
        KeyStore trustStore = KeyStore.getInstance("PKCS12");
        trustStore.load(null, null);
        trustStore.setCertificateEntry("arm", certificate);
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trustStore);
        SSLContext clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, trustManagers.getTrustManagers(), null);

        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(serverContext));
        ArmStandIn standIn = new ArmStandIn(server, clientContext);
        server.createContext("/", standIn::handle);
        server.start();
        return standIn;
    }

    public String endpoint() {
        return "https://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    /** An Azure environment whose Resource Manager is this stand-in. */
    public AzureEnvironment environment() {
        return new AzureEnvironment(Map.of("resourceManagerEndpointUrl", endpoint(), "managementEndpointUrl", endpoint(),
                "activeDirectoryEndpointUrl", endpoint(), "activeDirectoryResourceId", endpoint(), "activeDirectoryGraphResourceId", endpoint(),
                "microsoftGraphResourceId", endpoint()));
    }

    /** The JDK HTTP client the SDK uses, trusting this stand-in's certificate and nothing else. */
    public HttpClient httpClient() {
        return new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder().sslContext(clientContext)).build();
    }

    /** Takes the place of Entra ID: always the one token this stand-in accepts. */
    public TokenCredential credential() {
        return request -> Mono.just(new AccessToken(TOKEN, OffsetDateTime.now().plusHours(1)));
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The resources stored now, by lower-cased path. */
    public List<String> resourcePaths() {
        return List.copyOf(resources.keySet());
    }

    public Optional<ObjectNode> resource(String path) {
        return Optional.ofNullable(resources.get(path.toLowerCase(Locale.ROOT)));
    }

    /** Stores {@code body} at {@code path} as if someone had created it there (an extension, a run command). */
    public void seed(String path, ObjectNode body) {
        store(path, body, "Succeeded");
    }

    /** The next PUT of a resource of {@code type} (e.g. "virtualMachines") is accepted, then its operation fails with this error. */
    public void failCreationOf(String type, String code, String message) {
        failures.put(type.toLowerCase(Locale.ROOT), new String[] {code, message});
    }

    /** Runs with the VM's path each time a VM is created: what Azure or someone with rights over it would do next. */
    public void onVmCreated(Consumer<String> action) {
        onVmCreated.add(action);
    }

    /**
     * Public IP addresses created from now on get {@code address} instead of {@link #PUBLIC_ADDRESS}:
     * a test's loopback sshd then plays the VM the controller connects to.
     */
    public void answerAddress(String address) {
        publicAddress = address;
    }

    /** The next {@code count} requests are answered 429 with Retry-After: 1. */
    public void throttle(int count) {
        throttle.set(count);
    }

    public int throttled() {
        return throttled.get();
    }

    /** The next request whose path contains {@code pathPart} is answered 200 with JSON cut off in the middle. */
    public void cutAnswerTo(String pathPart) {
        answer(pathPart, "{\"id\": \"/subscriptions/", 0, 1);
    }

    /**
     * The next {@code times} requests whose path contains {@code pathPart} are answered 200 with
     * {@code body} as it is; with {@code missing} bytes more announced in Content-Length than sent,
     * after which the connection closes, as a connection dropped mid-answer leaves it.
     */
    public void answer(String pathPart, String body, int missing, int times) {
        oneAnswer.set(new OneAnswer(pathPart.toLowerCase(Locale.ROOT), body, missing, new AtomicInteger(times)));
    }

    private record OneAnswer(String pathPart, String body, int missing, AtomicInteger left) {}

    /** The next {@code count} deletes of a resource group are refused (409, as ARM answers while another operation runs). */
    public void refuseGroupDeletes(int count) {
        refuseGroupDeletes.set(count);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(new Request(method, exchange.getRequestURI().toString(), body));
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (!("Bearer " + TOKEN).equals(authorization)) {
                error(exchange, 401, "AuthenticationFailed", "no valid bearer token");
                return;
            }
            if (throttle.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throttled.incrementAndGet();
                exchange.getResponseHeaders().add("Retry-After", "1");
                error(exchange, 429, "TooManyRequests", "throttled by the stand-in");
                return;
            }
            OneAnswer once = oneAnswer.get();
            if (once != null && path.toLowerCase(Locale.ROOT).contains(once.pathPart()) && once.left().getAndDecrement() > 0) {
                byte[] bytes = once.body().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, bytes.length + once.missing());
                exchange.getResponseBody().write(bytes);
                exchange.getResponseBody().flush();
                return;
            }
            String key = path.toLowerCase(Locale.ROOT);
            if (key.startsWith("/operations/")) {
                operation(exchange, key, authorization);
            } else if (method.equals("PUT")) {
                put(exchange, path, JSON.readTree(body.isEmpty() ? "{}" : body));
            } else if (method.equals("GET")) {
                get(exchange, key);
            } else if (method.equals("HEAD")) {
                exchange.sendResponseHeaders(resources.containsKey(key) ? 204 : 404, -1);
            } else if (method.equals("DELETE")) {
                delete(exchange, key);
            } else {
                error(exchange, 405, "MethodNotAllowed", method);
            }
        }
    }

    private void put(HttpExchange exchange, String path, JsonNode body) throws IOException {
        String[] segments = path.split("/");
        boolean group = segments.length == 5;
        String type = segments[segments.length - 2].toLowerCase(Locale.ROOT);
        String[] failure = failures.remove(type);
        ObjectNode stored = store(path, (ObjectNode) body, failure == null ? "Succeeded" : "Failed");
        if (group) {
            send(exchange, 201, stored);
            return;
        }
        String operation = "/operations/" + nextOperation.incrementAndGet();
        operations.put(operation, failure == null ? JSON.createObjectNode().put("status", "Succeeded") : failed(failure));
        if (failure == null && type.equals("virtualmachines")) {
            onVmCreated.forEach(action -> action.accept(path));
        }
        exchange.getResponseHeaders().add("Azure-AsyncOperation", endpoint() + operation.substring(1) + "?api-version=2024-01-01");
        ObjectNode creating = stored.deepCopy();
        creating.with("properties").put("provisioningState", "Creating");
        send(exchange, 201, creating);
    }

    private static JsonNode failed(String[] failure) {
        ObjectNode status = JSON.createObjectNode().put("status", "Failed");
        status.putObject("error").put("code", failure[0]).put("message", failure[1]);
        return status;
    }

    private ObjectNode store(String path, ObjectNode body, String state) {
        String[] segments = path.split("/");
        ObjectNode stored = body.deepCopy();
        stored.put("id", path).put("name", segments[segments.length - 1]);
        if (segments.length > 7) {
            // providers/Namespace/type/name[/childType/childName]: the type is the namespace and every type segment.
            StringBuilder type = new StringBuilder(segments[6]);
            for (int i = 7; i < segments.length; i += 2) {
                type.append('/').append(segments[i]);
            }
            stored.put("type", type.toString());
        }
        ObjectNode properties = stored.with("properties");
        properties.put("provisioningState", state);
        if (path.toLowerCase(Locale.ROOT).contains("/publicipaddresses/")) {
            properties.put("ipAddress", publicAddress);
        }
        if (path.toLowerCase(Locale.ROOT).matches(".*/virtualmachines/[^/]+")) {
            // Azure assigns every VM a unique id; the HCL names it as vmUniqueId in the evidence.
            properties.put("vmId", VM_UNIQUE_ID);
        }
        if (properties.get("subnets") instanceof ArrayNode subnets) {
            subnets.forEach(s -> ((ObjectNode) s).put("id", path + "/subnets/" + s.path("name").asText()));
        }
        resources.put(path.toLowerCase(Locale.ROOT), stored);
        return stored;
    }

    private void get(HttpExchange exchange, String key) throws IOException {
        ObjectNode found = resources.get(key);
        if (found != null) {
            send(exchange, 200, found);
            return;
        }
        if (key.endsWith("/extensions") || key.endsWith("/runcommands") || key.endsWith("/resources")) {
            String parent = key.endsWith("/resources") ? key.substring(0, key.length() - "/resources".length()) + "/providers/" : key + "/";
            if (key.endsWith("/resources") && !resources.containsKey(key.substring(0, key.length() - "/resources".length()))) {
                error(exchange, 404, "ResourceGroupNotFound", "Resource group was not found.");
                return;
            }
            ObjectNode list = JSON.createObjectNode();
            ArrayNode value = list.putArray("value");
            resources.forEach((path, resource) -> {
                boolean child = path.startsWith(parent) && (key.endsWith("/resources") || !path.substring(parent.length()).contains("/"));
                if (child) {
                    value.add(resource);
                }
            });
            send(exchange, 200, list);
            return;
        }
        error(exchange, 404, "ResourceNotFound", "The resource " + key + " was not found.");
    }

    private void delete(HttpExchange exchange, String key) throws IOException {
        boolean group = key.split("/").length == 5;
        if (!resources.containsKey(key)) {
            if (group) {
                error(exchange, 404, "ResourceGroupNotFound", "Resource group was not found.");
            } else {
                exchange.sendResponseHeaders(204, -1);
            }
            return;
        }
        if (group && refuseGroupDeletes.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            error(exchange, 409, "Conflict", "another operation on this resource group is in progress");
            return;
        }
        resources.keySet().removeIf(path -> path.equals(key) || path.startsWith(key + "/"));
        String operation = "/operations/" + nextOperation.incrementAndGet();
        operations.put(operation, JSON.createObjectNode());
        exchange.getResponseHeaders().add("Location", endpoint() + operation.substring(1));
        exchange.sendResponseHeaders(202, -1);
    }

    /** An operation answers "InProgress" (or 202 for a Location) once, then how it ended; a failure's message may quote the caller's token. */
    private void operation(HttpExchange exchange, String key, String authorization) throws IOException {
        JsonNode outcome = operations.get(key);
        if (outcome == null) {
            error(exchange, 404, "OperationNotFound", key);
            return;
        }
        boolean location = outcome.isEmpty();
        if (polls.computeIfAbsent(key, k -> new AtomicInteger()).getAndIncrement() == 0) {
            if (location) {
                exchange.getResponseHeaders().add("Location", endpoint() + key.substring(1));
                exchange.sendResponseHeaders(202, -1);
            } else {
                send(exchange, 200, JSON.createObjectNode().put("status", "InProgress"));
            }
            return;
        }
        if (location) {
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        String text = outcome.toString().replace("{authorization}", authorization);
        send(exchange, 200, JSON.readTree(text));
    }

    private static void error(HttpExchange exchange, int status, String code, String message) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("error").put("code", code).put("message", message);
        send(exchange, status, body);
    }

    private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
