package dev.duet.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Defaults for the options that say which controller and which keys (picocli's default value
 * provider): an option given on the command line wins, then its environment variable
 * ({@code DUET_} and the option's name, e.g. {@code $DUET_KEY}), then the settings file,
 * {@code $DUET_CONFIG} or {@code ~/.config/duet/config.yaml}: its top-level keys, and over them the
 * keys of the profile chosen with {@code --profile} or {@code $DUET_PROFILE}. Paths in the file are
 * relative to it ({@code ~/} is the home directory). A file that is not what duet reads (an unknown
 * key, a profile it lacks, not YAML) is refused, one line and exit 2, rather than half applied.
 * {@code --allow-no-tee} is not among the keys: accepting an unattested controller is typed each time.
 */
final class CliConfig implements CommandLine.IDefaultValueProvider {
    /** The file's keys and the options they give defaults for. */
    static final Map<String, String> KEYS = orderedMap("controller", "--controller", "key", "--key", "tls-pin", "--tls-pin",
            "http-timeout", "--http-timeout", "controller-key", "--controller-key", "trust-simulated-root", "--trust-simulated-root",
            "controller-measurement", "--controller-measurement", "state-dir", "--state-dir");
    private static final List<String> PATHS = List.of("key", "controller-key", "state-dir");
    /** The file's ways to trust the controller's key: a profile or a command line that gives one replaces all of them. */
    private static final List<String> FILE_TRUST = List.of("--controller-key", "--trust-simulated-root", "--controller-measurement");
    private static final List<String> TRUST = List.of("--controller-key", "--evidence", "--allow-no-tee", "--trust-simulated-root",
            "--controller-measurement");
    private static final String PROFILES = "profiles";
    private static final String FROM_FILE = " (from the settings file)";
    private static final long MAX_FILE = 1 << 20;
    /** Built on first use only: building it loads about a thousand classes, which a run without a settings file need not load. */
    private static final class Yaml {
        static final ObjectMapper MAPPER = YAMLMapper.builder().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY).build();
    }

    private final Function<String, String> environment;
    /** The defaults, read once per command line from the file and the profile it was given. */
    private final Map<Optional<String>, Map<String, String>> read = new HashMap<>();
    /** The options this provider gave a value, told apart from those given on the command line. */
    private final java.util.Set<ArgSpec> supplied = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

    CliConfig(Function<String, String> environment) {
        this.environment = environment;
    }

    /** A settings file that duet will not read: its problem in one line, exit 2, without the usage (the command line is not wrong). */
    static final class Refused extends CommandLine.ParameterException {
        Refused(CommandLine cmd, String message) {
            super(cmd, message);
        }
    }

    /** The environment variable of an option: {@code --tls-pin} is {@code $DUET_TLS_PIN}. */
    static String variable(String option) {
        return "DUET_" + option.substring(2).toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    }

    /**
     * Where an option's value came from, to name it in an error: the option typed, its environment
     * variable, or the settings file (picocli's default value provider, {@link CliConfig}).
     */
    static String source(CommandLine.Model.CommandSpec verb, String option) {
        if (verb.commandLine().getParseResult() != null && verb.commandLine().getParseResult().hasMatchedOption(option)) {
            return option;
        }
        CliConfig config = ((DuetCli) verb.root().userObject()).config();
        return config.fromEnvironment(option) ? "$" + variable(option) : option + FROM_FILE;
    }

    /** Whether the option's default comes from its environment variable. */
    boolean fromEnvironment(String option) {
        String env = environment.apply(variable(option));
        return env != null && !env.isBlank();
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || !KEYS.containsValue(option.longestName())) {
            return null;
        }
        String env = environment.apply(variable(option.longestName()));
        if (env != null && !env.isBlank()) {
            supplied.add(option);
            return env;
        }
        if (FILE_TRUST.contains(option.longestName()) && trustGiven(arg.command())) {
            return null;
        }
        Optional<String> chosen = profile(arg.command()).or(() -> Optional.ofNullable(environment.apply("DUET_PROFILE")).filter(p -> !p.isBlank()));
        Map<String, String> settings = read.get(chosen);
        if (settings == null) {
            try {
                settings = settings(chosen);
            } catch (CliFailure e) {
                throw new Refused(arg.command().commandLine(), e.getMessage());
            }
            read.put(chosen, settings);
        }
        String value = settings.get(option.longestName());
        if (value != null) {
            supplied.add(option);
        }
        return value;
    }

    /**
     * Whether the command line or the environment says how to trust the controller's key: then the
     * file's trust settings stay out, rather than combine with it into options that contradict.
     */
    private boolean trustGiven(CommandLine.Model.CommandSpec verb) {
        for (String name : TRUST) {
            OptionSpec option = verb.findOption(name);
            Object value = option == null ? null : option.getValue();
            // A value this provider gave is the file's own choice, not one given on the command line.
            boolean given = !supplied.contains(option) && (value instanceof Boolean b ? b
                    : value instanceof java.util.Collection<?> c ? !c.isEmpty() : value != null);
            if (given || KEYS.containsValue(name) && fromEnvironment(name)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the option's value is the settings file's (neither typed nor from the environment). */
    static boolean fromFile(CommandLine.Model.CommandSpec verb, String option) {
        return source(verb, option).endsWith(FROM_FILE);
    }

    /** {@code --profile} as given to the verb or to a command above it (the option is inherited). */
    private static Optional<String> profile(CommandLine.Model.CommandSpec verb) {
        for (CommandLine.Model.CommandSpec c = verb; c != null; c = c.parent()) {
            OptionSpec option = c.findOption("--profile");
            if (option != null && option.getValue() != null) {
                return Optional.of(option.getValue());
            }
        }
        return Optional.empty();
    }

    /** The settings file in use, whether or not it exists. */
    Path file() throws CliFailure {
        String given = environment.apply("DUET_CONFIG");
        String home = System.getProperty("user.home");
        String xdg = environment.apply("XDG_CONFIG_HOME");
        try {
            return given != null && !given.isBlank() ? Path.of(given)
                    : (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(home, ".config")).resolve("duet").resolve("config.yaml");
        } catch (InvalidPathException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "$DUET_CONFIG is not a valid file name (" + e.getReason() + ")");
        }
    }

    /** Option name to default value, from the file's top level and then the chosen profile. */
    private Map<String, String> settings(Optional<String> profile) throws CliFailure {
        Path file = file();
        if (!Files.exists(file)) {
            if (profile.isPresent()) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "no profile '" + profile.get() + "': there is no settings file " + file);
            }
            return Map.of();
        }
        JsonNode root = document(file);
        Map<String, String> settings = new HashMap<>(section(root, file, "", true));
        JsonNode profiles = root.path(PROFILES);
        if (!profiles.isMissingNode() && !profiles.isObject()) {
            throw refused(file, PROFILES, "must be a mapping of profile names to settings");
        }
        if (profile.isPresent()) {
            JsonNode chosen = profiles.path(profile.get());
            if (!chosen.isObject()) {
                List<String> names = new ArrayList<>();
                profiles.fieldNames().forEachRemaining(names::add);
                throw new CliFailure(CliFailure.INPUT_ERROR, "no profile '" + profile.get() + "' in " + file
                        + (names.isEmpty() ? " (it has none)" : " (it has " + String.join(", ", names) + ")"));
            }
            Map<String, String> own = section(chosen, file, PROFILES + "." + profile.get() + ".", false);
            if (own.keySet().stream().anyMatch(FILE_TRUST::contains)) {
                FILE_TRUST.forEach(settings::remove);
            }
            settings.putAll(own);
        } else {
            for (Iterator<Map.Entry<String, JsonNode>> it = profiles.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> p = it.next();
                if (!p.getValue().isObject()) {
                    throw refused(file, PROFILES + "." + p.getKey(), "must be a mapping of settings");
                }
                section(p.getValue(), file, PROFILES + "." + p.getKey() + ".", false);
            }
        }
        return settings;
    }

    private static Map<String, String> section(JsonNode section, Path file, String prefix, boolean top) throws CliFailure {
        Map<String, String> out = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = section.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            JsonNode value = field.getValue();
            if (top && key.equals(PROFILES)) {
                continue;
            }
            if (!KEYS.containsKey(key)) {
                throw refused(file, prefix + key, "is not a setting duet knows (" + String.join(", ", KEYS.keySet())
                        + (top ? ", " + PROFILES : "") + ")");
            }
            String text;
            if (key.equals("controller-measurement") && value.isArray()) {
                List<String> items = new ArrayList<>();
                for (JsonNode item : value) {
                    items.add(scalar(item, file, prefix + key));
                }
                text = String.join(",", items);
            } else {
                text = scalar(value, file, prefix + key);
            }
            out.put(KEYS.get(key), PATHS.contains(key) ? path(text, file, prefix + key) : text);
        }
        return out;
    }

    private static String scalar(JsonNode value, Path file, String key) throws CliFailure {
        if (!value.isTextual() && !value.isIntegralNumber() || value.asText().isBlank()) {
            throw refused(file, key, "must be a non-empty string");
        }
        return value.asText();
    }

    /** A path in the file: {@code ~/} is the home directory, a relative one is relative to the file. */
    private static String path(String text, Path file, String key) throws CliFailure {
        try {
            Path path = text.startsWith("~/") ? Path.of(System.getProperty("user.home"), text.substring(2)) : Path.of(text);
            return (path.isAbsolute() ? path : file.toAbsolutePath().getParent().resolve(path)).toString();
        } catch (InvalidPathException e) {
            throw refused(file, key, "is not a valid file name (" + e.getReason() + ")");
        }
    }

    private static JsonNode document(Path file) throws CliFailure {
        byte[] bytes = InputFiles.read(file, MAX_FILE, "settings file");
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "settings file " + file + " is not UTF-8 text");
        }
        try (JsonParser parser = Yaml.MAPPER.createParser(text)) {
            JsonNode root = Yaml.MAPPER.readTree(parser);
            if (root == null || root.isMissingNode() || root.isNull()) {
                return Yaml.MAPPER.createObjectNode();
            }
            if (!root.isObject()) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "settings file " + file + " must be a YAML mapping of settings");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "settings file " + file + " is not YAML: " + e.getOriginalMessage());
        } catch (IOException | RuntimeException e) {
            // The YAML scanner reports some malformed input as unchecked exceptions of its own, whose text names classes.
            throw new CliFailure(CliFailure.INPUT_ERROR, "settings file " + file + " is not YAML");
        }
    }

    private static CliFailure refused(Path file, String key, String problem) {
        return new CliFailure(CliFailure.INPUT_ERROR, "settings file " + file + ": " + DuetCli.printable(key) + " " + problem);
    }

    private static Map<String, String> orderedMap(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(map);
    }
}
