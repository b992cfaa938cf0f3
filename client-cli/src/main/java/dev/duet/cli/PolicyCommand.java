package dev.duet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.cli.DuetCli.ControllerOption;
import dev.duet.cli.DuetCli.JsonOption;
import dev.duet.cli.DuetCli.OwnerKeyOption;
import dev.duet.cli.DuetCli.Verb;
import dev.duet.protocol.MalformedJsonException;
import dev.duet.protocol.StrictJson;
import dev.duet.protocol.entry.MalformedPayloadException;
import dev.duet.protocol.entry.PolicyCodec;
import dev.duet.protocol.shield.ShieldPolicy;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code duet policy}: a CVM's command policy in force and the controller-wide default (issue 12,
 * docs/policy.md), shown, or set from a JSON file that is checked here first, so a mistake in it is
 * one line naming where before anything is signed.
 */
@Command(name = "policy", description = "Show or set a CVM's command policy, or the controller-wide default.")
final class PolicyCommand {
    /** A policy file is at most this large (10,000 rules of a few hundred bytes each). */
    private static final long MAX_FILE_BYTES = 8L << 20;

    private PolicyCommand() {}

    @Command(name = "show", description = "Show the command policy in force for a CVM: version, SHA-256, the entry that set it, its rules.")
    static final class Show extends Verb {
        @Mixin ControllerOption controller;
        @Mixin TransportTrust transportTrust;
        @Mixin JsonOption json;
        @Parameters(index = "0", paramLabel = "CVM", converter = CvmRef.class, description = CvmRef.WHAT) String cvm;

        @Override
        public Integer call() throws CliFailure {
            ControllerApi client = controller.client(Optional.empty());
            return print(this, json, client, client.policy(Optional.of(cvm)), cvm);
        }
    }

    @Command(name = "set", description = "Set a CVM's command policy from a JSON file (in-service only a narrowing is accepted).")
    static final class Set extends Verb {
        @Mixin ControllerOption controller;
        @Mixin TransportTrust transportTrust;
        @Mixin OwnerKeyOption key;
        @Mixin JsonOption json;
        @Parameters(index = "0", paramLabel = "CVM", converter = CvmRef.class, description = CvmRef.WHAT) String cvm;
        @Parameters(index = "1", paramLabel = "FILE", description = "the policy as JSON (docs/policy.md)") Path file;

        @Override
        public Integer call() throws CliFailure {
            ShieldPolicy policy = read(file);
            ControllerApi client = controller.client(Optional.of(key.load()));
            return print(this, json, client, client.setPolicy(Optional.of(cvm), PolicyCodec.encode(policy)), cvm);
        }
    }

    @Command(name = "default", description = "Show or set the default policy each CVM created from now on starts with.")
    static final class Default {}

    @Command(name = "show", description = "Show the controller-wide default policy.")
    static final class DefaultShow extends Verb {
        @Mixin ControllerOption controller;
        @Mixin TransportTrust transportTrust;
        @Mixin JsonOption json;

        @Override
        public Integer call() throws CliFailure {
            ControllerApi client = controller.client(Optional.empty());
            return print(this, json, client, client.policy(Optional.empty()), "default");
        }
    }

    @Command(name = "set", description = "Set the controller-wide default policy from a JSON file.")
    static final class DefaultSet extends Verb {
        @Mixin ControllerOption controller;
        @Mixin TransportTrust transportTrust;
        @Mixin OwnerKeyOption key;
        @Mixin JsonOption json;
        @Parameters(index = "0", paramLabel = "FILE", description = "the policy as JSON (docs/policy.md)") Path file;

        @Override
        public Integer call() throws CliFailure {
            ShieldPolicy policy = read(file);
            ControllerApi client = controller.client(Optional.of(key.load()));
            return print(this, json, client, client.setPolicy(Optional.empty(), PolicyCodec.encode(policy)), "default");
        }
    }

    private static ShieldPolicy read(Path file) throws CliFailure {
        ShieldPolicy policy;
        try {
            policy = PolicyCodec.decode("policy", StrictJson.read(InputFiles.read(file, MAX_FILE_BYTES, "the policy file")));
        } catch (MalformedJsonException | MalformedPayloadException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "the policy file " + file + " is not a policy: " + e.getMessage());
        }
        Optional<String> unmatchable = policy.unmatchablePattern();
        if (unmatchable.isPresent()) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "the policy file " + file + ": " + unmatchable.get());
        }
        return policy;
    }

    /** The answer, whole as JSON, or as lines: checked first to be a policy in force, so nothing unreadable is shown as one. */
    private static int print(Verb verb, JsonOption json, ControllerApi client, JsonNode answer, String whose) throws CliFailure {
        if (ApprovalCommands.shownWaiting(verb, json, answer)) {
            return 0;
        }
        ShieldPolicy policy;
        try {
            policy = PolicyCodec.decode("policy", answer.path("policy"));
        } catch (MalformedPayloadException e) {
            throw DuetCli.notAnswered(client, "a policy (" + e.getMessage() + ")");
        }
        if (!answer.path("version").canConvertToExactIntegral() || !PolicyCodec.sha256(policy).equals(answer.path("sha256").asText())) {
            throw DuetCli.notAnswered(client, "a policy whose version and hash agree with it");
        }
        if (json.json) {
            verb.printJson(answer);
            return 0;
        }
        PrintWriter out = verb.out();
        lines(whose, answer, policy).forEach(l -> out.println(DuetCli.printable(l)));
        out.flush();
        return 0;
    }

    static List<String> lines(String whose, JsonNode answer, ShieldPolicy policy) {
        List<String> lines = new ArrayList<>();
        long version = answer.path("version").asLong();
        lines.add(whose + " policy version " + version + (version == 0 ? " (the built-in default)" : "") + " sha256 "
                + answer.path("sha256").asText() + (answer.path("seq").isIntegralNumber() ? " (log entry " + answer.path("seq").asLong() + ")" : ""));
        policy.rules().forEach(r -> lines.add("  " + r.id() + ": " + r.effect().wire() + " in " + String.join(", ",
                r.modes().stream().map(m -> m.wire()).toList()) + ": " + describe(r)));
        lines.add("  no rule matches: allowed in-update, refused in-service; uploads at most " + policy.maxUploadBytes()
                + " bytes, content logged below " + policy.logContentBelowBytes() + " bytes");
        for (int i = 0; i < policy.onLeavingService().size(); i++) {
            lines.add("  on leaving service " + i + ": " + String.join(" ", policy.onLeavingService().get(i)));
        }
        return lines;
    }

    private static String describe(dev.duet.protocol.shield.Rule rule) {
        if (rule.target() instanceof dev.duet.protocol.shield.Rule.Target.Exec exec) {
            return "exec " + String.join(" ", exec.argv().source());
        } else if (rule.target() instanceof dev.duet.protocol.shield.Rule.Target.Write write) {
            return "write " + write.path();
        }
        return "read " + ((dev.duet.protocol.shield.Rule.Target.Read) rule.target()).path();
    }

    /** How one of the commands run on leaving service ended, as {@code duet mode} shows it. */
    static String leavingLine(JsonNode command) {
        return DuetCli.printable("  on leaving service " + command.path("index").asInt() + ": " + (command.path("failure").isTextual()
                ? "could not run: " + command.path("failure").asText() : "exit " + command.path("exit_status").asText()));
    }
}
