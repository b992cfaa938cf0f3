package dev.duet.api;

import dev.duet.controller.Controller;
import dev.duet.controller.ControllerConfig;
import dev.duet.protocol.Ed25519PublicKey;
import dev.duet.protocol.KeyFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import dev.duet.controller.QemuSupport;
import dev.duet.controller.SelfAttestation;
import dev.duet.provisioner.attest.LocalTsmFs;
import dev.duet.provisioner.attest.SimulatedSnp;
import dev.duet.provisioner.qemu.GuestImage;
import java.util.Optional;

/** {@code duet-controller init} prepares a data directory; {@code serve} runs the controller until SIGTERM or Ctrl-C. */
@Command(name = "duet-controller", mixinStandardHelpOptions = true, versionProvider = BuildInfo.class,
        subcommands = {ControllerMain.Init.class, ControllerMain.Serve.class},
        description = "The duet controller.")
public final class ControllerMain {
    public static void main(String[] args) {
        System.exit(run(args, System.getenv()));
    }

    /** Runs the command line with {@code environment} as the process's environment (serve's settings come from it too). */
    static int run(String[] args, Map<String, String> environment) {
        CommandLine cli;
        try {
            cli = commandLine(List.of(args), environment);
        } catch (ServeSettings.SettingsException e) {
            System.err.println("duet-controller: " + e.getMessage());
            return 2;
        }
        return cli.execute(args);
    }

    /** The command line for {@code args}, {@code serve} taking what no flag sets from {@code environment} and the configuration file. */
    static CommandLine commandLine(List<String> args, Map<String, String> environment) throws ServeSettings.SettingsException {
        CommandLine cli = new CommandLine(new ControllerMain());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("duet-controller: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            return 2;
        });
        int serve = args.indexOf("serve");
        if (serve >= 0) {
            CommandLine serveLine = cli.getSubcommands().get("serve");
            ServeSettings settings = ServeSettings.load(serveLine.getCommandSpec(), args.subList(serve + 1, args.size()), environment);
            serveLine.setDefaultValueProvider(settings);
            ((Serve) serveLine.getCommand()).settings = settings;
        }
        return cli;
    }

    static List<Ed25519PublicKey> readOwnerKeys(List<Path> files) {
        List<Ed25519PublicKey> keys = new ArrayList<>();
        for (Path file : files) {
            try {
                keys.add(Ed25519PublicKey.parsePem(Files.readString(file)));
            } catch (KeyFormatException | IOException e) {
                throw new IllegalArgumentException("owner key " + file + ": " + e.getMessage());
            }
        }
        return keys;
    }

    static java.util.OptionalInt threshold(Integer given) {
        return given == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(given);
    }

    @Command(name = "init", mixinStandardHelpOptions = true, versionProvider = BuildInfo.class,
            description = "Initialise a data directory: sealing key, controller signing key, and the owner keys as log entry 0.")
    static final class Init implements Callable<Integer> {
        @Option(names = "--data-dir", required = true, description = "Data directory (created 0700 if absent).")
        Path dataDir;

        @Option(names = "--owner-key", required = true, description = "Owner public key file (PEM); repeatable.")
        List<Path> ownerKeys = new ArrayList<>();

        @Option(names = "--owner-threshold", paramLabel = "K", description = "How many distinct owner keys must sign a governed request "
                + "(the switch to in-update, policy and owner changes): 1 to the number of keys (default 1).")
        Integer ownerThreshold;

        @Override
        public Integer call() throws Exception {
            try (Controller controller = Controller.open(ControllerConfig.defaults(dataDir, readOwnerKeys(ownerKeys))
                    .withGovernance(threshold(ownerThreshold), ControllerConfig.DEFAULT_APPROVAL_EXPIRY))) {
                System.out.println("initialised " + dataDir + ": controller signing key " + controller.signingKey().keyId()
                        + "; owners registered in log entry 0");
            }
            return 0;
        }
    }

    @Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = BuildInfo.class,
            description = "Serve the API. On a new data directory, --owner-key registers the owners as log entry 0.")
    static final class Serve implements Callable<Integer> {
        @Option(names = ServeSettings.CONFIG_OPTION, paramLabel = "FILE", description = "Configuration file (YAML; default $"
                + ServeSettings.CONFIG_VARIABLE + "): a setting per option, named as the option without its dashes. A flag "
                + "overrides the environment variable DUET_<OPTION> (e.g. DUET_DATA_DIR), which overrides the file, which "
                + "overrides the default (docs/operations.md).")
        Path config;

        @Option(names = "--data-dir", required = true, description = "Data directory (created 0700 if absent).")
        Path dataDir;

        @Option(names = "--owner-key", split = ",", description = "Owner public key file (PEM); repeatable, or comma-separated. "
                + "Required on a new data directory.")
        List<Path> ownerKeys = new ArrayList<>();

        @Option(names = "--owner-threshold", paramLabel = "K", description = "On a new data directory: how many distinct owner keys must "
                + "sign a governed request, 1 to the number of keys (default 1). On an existing one it must be the threshold in force.")
        Integer ownerThreshold;

        @Option(names = "--approval-expiry-seconds", defaultValue = "900", description = "How long a governed request waits for the "
                + "other owners' approvals before it expires unperformed (default ${DEFAULT-VALUE}).")
        long approvalExpirySeconds;

        @Option(names = "--listen", defaultValue = "127.0.0.1", description = "Address to listen on (default ${DEFAULT-VALUE}).")
        String listen;

        @Option(names = "--tls", negatable = true, description = "Serve HTTPS with the controller's TLS key, which its evidence binds "
                + "(clients pin it). Default: on, unless --listen is a loopback address; --no-tls (plain HTTP, unauthenticated, "
                + "development only) is refused for any other address.")
        Boolean tls;

        /** Where --tls comes from when the flag is not given (a negatable flag takes no default value: {@link ServeSettings#flag}). */
        ServeSettings settings;

        /** --tls or --no-tls, else its setting, else none (the default depends on the address). */
        Optional<Boolean> tls() {
            return tls != null ? Optional.of(tls) : settings == null ? Optional.empty() : settings.flag("tls");
        }

        @Option(names = "--port", defaultValue = "8080", description = "Port (default ${DEFAULT-VALUE}; 0 picks a free one).")
        int port;

        @Option(names = "--qemu", defaultValue = "auto", description = "QEMU provider: auto (use it when QEMU runs here, say so "
                + "when not), on (refuse to start without it), off. Default ${DEFAULT-VALUE}.")
        String qemuMode;

        @CommandLine.Mixin
        AzureOptions azure = new AzureOptions();

        @Option(names = "--guest-image", description = "Guest image directory (built there if missing; default $DUET_GUEST_IMAGE, else ~/.cache/duet/guest).")
        Path guestImage;

        @Option(names = "--accel", description = "QEMU accelerator: kvm or tcg (default: probe KVM, fall back to TCG).")
        String accelerator;

        @Option(names = "--evidence", defaultValue = "simulated-snp", description = "Where guests' evidence comes from: "
                + "simulated-snp (hosts without SEV-SNP; proves nothing about hardware) or configfs-tsm (SEV-SNP hosts). "
                + "Default ${DEFAULT-VALUE}.")
        String evidence;

        @Option(names = "--expected-measurement", description = "With configfs-tsm: the MEASUREMENT (hex) guests must have.")
        String expectedMeasurement;

        @Option(names = "--attestation", defaultValue = "none", description = "The controller's own evidence: none (development; "
                + "users must pass --allow-no-tee), simulated-snp (duet's simulated SNP chip; proves nothing about hardware), tsm "
                + "(the controller runs in an SEV-SNP or TDX CVM; reports from configfs-tsm) or gramine-sgx (the controller runs in an "
                + "SGX enclave under Gramine; DCAP quotes from /dev/attestation). Default ${DEFAULT-VALUE}.")
        String attestation;

        @Option(names = "--gramine-dir", description = "With --attestation gramine-sgx: Gramine's attestation directory (default "
                + "/dev/attestation).")
        Path gramineDirectory;

        @Option(names = "--log-format", defaultValue = "text", description = "Log lines on stderr: text or json (one JSON object per "
                + "line). The access log is JSON lines in either. Default ${DEFAULT-VALUE}.")
        String logFormat;

        @Option(names = "--tsm-dir", description = "With --attestation tsm: the configfs-tsm report directory (default "
                + "/sys/kernel/config/tsm/report).")
        Path tsmDirectory;

        private SelfAttestation selfAttestation() throws IOException {
            if (tsmDirectory != null && !attestation.equals("tsm")) {
                throw new IllegalArgumentException("--tsm-dir applies only to --attestation tsm");
            }
            if (gramineDirectory != null && !attestation.equals("gramine-sgx")) {
                throw new IllegalArgumentException("--gramine-dir applies only to --attestation gramine-sgx");
            }
            return switch (attestation) {
                case "none" -> SelfAttestation.none();
                case "simulated-snp" -> {
                    SimulatedSnp chip = SimulatedSnp.open(dataDir.resolve("simulated-snp"));
                    // Users name this root by its fingerprint (duet --trust-simulated-root); a chain under any other root is refused.
                    System.out.println("SIMULATED controller attestation (proves nothing about hardware): simulated ARK SHA-256 "
                            + dev.duet.attestation.ControllerEvidenceVerifier.fingerprint(
                                    dev.duet.attestation.Octets.copyOf(chip.arkDer())).hex());
                    yield SelfAttestation.simulatedSnp(chip);
                }
                case "tsm" -> SelfAttestation.tsm(new LocalTsmFs(tsmDirectory != null ? tsmDirectory : LocalTsmFs.DEFAULT));
                case "gramine-sgx" -> SelfAttestation.gramineSgx(gramineDirectory != null ? gramineDirectory : SelfAttestation.GRAMINE_DEFAULT);
                default -> throw new IllegalArgumentException("--attestation must be none, simulated-snp, tsm or gramine-sgx");
            };
        }

        private Optional<QemuSupport> qemu() throws Exception {
            if (qemuMode.equals("off")) {
                return Optional.empty();
            }
            if (!qemuMode.equals("auto") && !qemuMode.equals("on")) {
                throw new IllegalArgumentException("--qemu must be auto, on or off");
            }
            try {
                QemuSupport.Evidence source = switch (evidence) {
                    case "simulated-snp" -> QemuSupport.Evidence.SIMULATED_SNP;
                    case "configfs-tsm" -> QemuSupport.Evidence.CONFIGFS_TSM;
                    default -> throw new IllegalArgumentException("--evidence must be simulated-snp or configfs-tsm");
                };
                QemuSupport support = QemuSupport.start(dataDir, guestImage != null ? guestImage : GuestImage.defaultDirectory(),
                        Optional.ofNullable(accelerator), source,
                        Optional.ofNullable(expectedMeasurement).map(java.util.HexFormat.of()::parseHex));
                System.out.println("QEMU provider: guest image " + support.provider().image().version() + ", accelerator "
                        + support.provider().accelerator() + " (" + support.provider().acceleratorReason() + "), evidence "
                        + support.evidence().name() + (support.evidence().simulated() ? " (SIMULATED: proves nothing about hardware)" : ""));
                return Optional.of(support);
            } catch (IOException e) {
                if (qemuMode.equals("on")) {
                    throw e;
                }
                System.out.println("QEMU provider UNAVAILABLE: " + e.getMessage() + "; only the ssh provider (adoption) works");
                return Optional.empty();
            }
        }

        /** HTTPS unless asked otherwise on a loopback address; plain HTTP anywhere else is refused before anything starts. */
        private ControllerServer.Transport transport() {
            boolean loopback = ControllerServer.loopback(listen);
            Optional<Boolean> tls = tls();
            if (tls.equals(Optional.of(false)) && !loopback) {
                throw new IllegalArgumentException("refusing --no-tls on --listen " + listen + ", which is not a loopback address: plain "
                        + "HTTP would let anyone on the path read and relay every request (drop --no-tls; HTTPS is the default there)");
            }
            return tls.isPresent() ? (tls.get() ? ControllerServer.Transport.HTTPS : ControllerServer.Transport.PLAIN_HTTP)
                    : loopback ? ControllerServer.Transport.PLAIN_HTTP : ControllerServer.Transport.HTTPS;
        }

        @Override
        public Integer call() throws Exception {
            LogFormat.parse(logFormat).apply();
            ControllerServer.Transport transport = transport();
            SelfAttestation self = selfAttestation();
            if (approvalExpirySeconds < 1) {
                throw new IllegalArgumentException("--approval-expiry-seconds must be at least 1");
            }
            Controller controller = Controller.open(ControllerConfig.defaults(dataDir, readOwnerKeys(ownerKeys))
                            .withGovernance(threshold(ownerThreshold), java.time.Duration.ofSeconds(approvalExpirySeconds)),
                    dir -> dev.duet.controller.sealing.FileSealer.openOrCreate(dir.sealingKey()), qemu(), azure.support(dataDir), self);
            ControllerServer server = ControllerServer.start(controller, listen, port, transport);
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                try {
                    controller.close();
                } catch (IOException ignored) {
                    // Exiting anyway; the store is consistent after every committed transaction.
                }
                LogFormat.flushAndStop();
                stopped.countDown();
            }));
            if (transport == ControllerServer.Transport.HTTPS) {
                System.out.println("TLS key SHA-256 " + controller.tls().sha256().hex() + " (bound into the controller's evidence; "
                        + "clients pin it, or pass it to duet --tls-pin)");
            } else {
                System.out.println("plain HTTP on a loopback address: the transport is UNAUTHENTICATED (development only; --tls serves "
                        + "attested HTTPS)");
            }
            System.out.println("duet controller listening on " + transport.scheme() + "://" + listen + ":" + server.port()
                    + " (signing key " + controller.signingKey().keyId() + ", attestation: " + self.name()
                    + (self.simulated() ? ", SIMULATED: proves nothing about hardware" : "") + ")");
            System.out.flush();
            stopped.await();
            return 0;
        }
    }
}
