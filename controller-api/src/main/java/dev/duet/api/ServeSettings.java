package dev.duet.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Where {@code serve}'s options come from when they are not flags (docs/operations.md,
 * "Configure"): an environment variable ({@code DUET_} and the option's name, upper case, {@code -}
 * as {@code _}), else the configuration file (YAML, one key per option, named as the option without
 * its dashes), else the option's default. Every option of {@code serve} can be set so, and only
 * those: a key the file does not know is refused, as a misspelt flag is, rather than ignored.
 */
final class ServeSettings implements CommandLine.IDefaultValueProvider {
    /** The option naming the file, and its variable; neither can be set from the file itself. */
    static final String CONFIG_OPTION = "--config";
    static final String CONFIG_VARIABLE = "DUET_CONFIG";
    private static final Set<String> NOT_SETTINGS = Set.of("help", "version", "config");

    private final Map<String, String> environment;
    private final Map<String, String> file;

    private ServeSettings(Map<String, String> environment, Map<String, String> file) {
        this.environment = environment;
        this.file = file;
    }

    /** A configuration file that cannot be used, said in one line. */
    static final class SettingsException extends Exception {
        private static final long serialVersionUID = 1L;

        SettingsException(String message) {
            super(message);
        }
    }

    /**
     * The settings for {@code serve} given its arguments (which may name {@code --config}) and the
     * environment (which may name {@code DUET_CONFIG}); the flag names the file before the variable.
     */
    static ServeSettings load(CommandSpec serve, List<String> serveArgs, Map<String, String> environment) throws SettingsException {
        Optional<Path> path = configFlag(serveArgs).or(() -> Optional.ofNullable(environment.get(CONFIG_VARIABLE))
                .filter(v -> !v.isEmpty())).map(Path::of);
        Map<String, String> file = path.isPresent() ? read(path.get(), serve) : Map.of();
        return new ServeSettings(environment, file);
    }

    private static Optional<String> configFlag(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals(CONFIG_OPTION) && i + 1 < args.size()) {
                return Optional.of(args.get(i + 1));
            }
            if (arg.startsWith(CONFIG_OPTION + "=")) {
                return Optional.of(arg.substring(CONFIG_OPTION.length() + 1));
            }
        }
        return Optional.empty();
    }

    /** The option a setting is for, by its key (its longest name without dashes). */
    private static Map<String, OptionSpec> settings(CommandSpec serve) {
        Map<String, OptionSpec> byKey = new LinkedHashMap<>();
        for (OptionSpec option : serve.options()) {
            String key = key(option);
            if (!NOT_SETTINGS.contains(key)) {
                byKey.put(key, option);
            }
        }
        return byKey;
    }

    private static String key(OptionSpec option) {
        return option.longestName().replaceFirst("^-+", "");
    }

    /** The variable that sets the option of {@code key}. */
    static String variable(String key) {
        return "DUET_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    private static Map<String, String> read(Path path, CommandSpec serve) throws SettingsException {
        JsonNode root;
        try {
            ObjectMapper yaml = new ObjectMapper(new YAMLFactory()).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            root = yaml.readTree(Files.readString(path));
        } catch (JsonProcessingException e) {
            throw new SettingsException("configuration file " + path + " is not valid YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new SettingsException("configuration file " + path + " cannot be read: " + e.getMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return Map.of();
        }
        if (!root.isObject()) {
            throw new SettingsException("configuration file " + path + " must be a YAML mapping of settings (key: value)");
        }
        Map<String, OptionSpec> known = settings(serve);
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> setting : root.properties()) {
            String key = setting.getKey();
            OptionSpec option = known.get(key);
            if (option == null) {
                throw new SettingsException("configuration file " + path + ": unknown setting '" + key + "' (known: "
                        + String.join(", ", new TreeSet<>(known.keySet())) + ")");
            }
            values.put(key, value(path, key, setting.getValue(), option.isMultiValue()));
        }
        return values;
    }

    private static String value(Path path, String key, JsonNode node, boolean multiValue) throws SettingsException {
        if (node.isValueNode() && !node.isNull()) {
            return node.asText();
        }
        if (multiValue && node.isArray() && !node.isEmpty()) {
            List<String> items = new ArrayList<>();
            for (JsonNode item : node) {
                if (!item.isValueNode() || item.isNull()) {
                    throw new SettingsException("configuration file " + path + ": setting '" + key + "' must be a list of values");
                }
                items.add(item.asText());
            }
            return String.join(",", items);
        }
        throw new SettingsException("configuration file " + path + ": setting '" + key + "' must be "
                + (multiValue ? "a value or a list of values" : "a single value"));
    }

    /**
     * The setting's value when no flag gave one. A negatable flag ({@code --tls}/{@code --no-tls})
     * gets none here: picocli reads a negated flag as the opposite of the default, so a default of
     * false would turn {@code --no-tls} into true. Its command asks {@link #flag} instead.
     */
    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || option.negatable()) {
            return null;
        }
        return setting(key(option)).orElse(null);
    }

    /** A negatable flag's setting: true, false, or none; anything else is refused. */
    Optional<Boolean> flag(String key) {
        Optional<String> value = setting(key);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        return switch (value.get()) {
            case "true" -> Optional.of(true);
            case "false" -> Optional.of(false);
            default -> throw new IllegalArgumentException("setting '" + key + "' (" + variable(key) + " or the configuration file) must be "
                    + "true or false");
        };
    }

    private Optional<String> setting(String key) {
        if (NOT_SETTINGS.contains(key)) {
            return Optional.empty();
        }
        String fromEnvironment = environment.get(variable(key));
        if (fromEnvironment != null && !fromEnvironment.isEmpty()) {
            return Optional.of(fromEnvironment);
        }
        return Optional.ofNullable(file.get(key));
    }
}
