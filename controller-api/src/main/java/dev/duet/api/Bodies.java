package dev.duet.api;

import dev.duet.controller.CommandRequest;
import dev.duet.controller.ControllerException;
import dev.duet.controller.CreateRequest;
import dev.duet.controller.FileWriteRequest;
import dev.duet.controller.OwnersRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Owner request bodies, read strictly ({@link BodyObject}) into the controller's requests: unknown,
 * missing or mistyped members are refused here; what the values may be is the controller's rule.
 */
final class Bodies {
    private Bodies() {}

    /** A new CVM's body; which members its provider needs is the controller's rule. */
    static CreateRequest create(byte[] body) throws ControllerException {
        BodyObject create = BodyObject.of(body, "provider", "name", "ssh", "azure");
        String provider = create.string("provider");
        String name = create.string("name");
        Optional<BodyObject> ssh = create.optionalObject("ssh", "host", "port", "user", "host_key", "bootstrap_private_key",
                "authorized_keys_path");
        Optional<BodyObject> azure = create.optionalObject("azure", "tee", "vm_size");
        Optional<CreateRequest.Azure> vm = azure.isEmpty() ? Optional.empty()
                : Optional.of(new CreateRequest.Azure(azure.get().optionalString("tee"), azure.get().optionalString("vm_size")));
        return new CreateRequest(provider, name, ssh.isEmpty() ? Optional.empty() : Optional.of(ssh(ssh.get())), vm);
    }

    private static CreateRequest.Ssh ssh(BodyObject ssh) throws ControllerException {
        return new CreateRequest.Ssh(ssh.string("host"), ssh.optionalInt("port"), ssh.string("user"), ssh.string("host_key"),
                ssh.string("bootstrap_private_key"), ssh.optionalString("authorized_keys_path"));
    }

    static String mode(byte[] body) throws ControllerException {
        return BodyObject.of(body, "mode").string("mode");
    }

    /** A command's body; its argv and timeout are judged by the controller. */
    static CommandRequest command(byte[] body) throws ControllerException {
        BodyObject command = BodyObject.of(body, "argv", "timeout_seconds");
        return new CommandRequest(command.strings("argv"), command.optionalNumber("timeout_seconds"));
    }

    /** A file to write: its path, mode and content (base64) are judged by the controller. */
    static FileWriteRequest file(byte[] body) throws ControllerException {
        BodyObject file = BodyObject.of(body, "path", "mode", "content");
        return new FileWriteRequest(file.string("path"), file.optionalString("mode"), file.string("content"));
    }

    /** An owner key change: keys to add (base64 SPKI, key id optional), key ids to remove, the threshold from then on. */
    static OwnersRequest owners(byte[] body) throws ControllerException {
        BodyObject change = BodyObject.of(body, "add", "remove", "threshold");
        List<OwnersRequest.NewKey> add = new ArrayList<>();
        for (BodyObject key : change.objects("add", "key_id", "public_key")) {
            add.add(new OwnersRequest.NewKey(key.optionalString("key_id"), key.string("public_key")));
        }
        List<String> remove = change.has("remove") ? change.strings("remove") : List.of();
        Optional<Integer> threshold = change.optionalInt("threshold");
        return new OwnersRequest(add, remove, threshold.isPresent() ? OptionalInt.of(threshold.get()) : OptionalInt.empty());
    }
}
