package dev.duet.api.bench;

import dev.duet.api.ControllerServer;
import dev.duet.controller.Controller;
import dev.duet.controller.ControllerConfig;
import dev.duet.controller.HistoryFixture;
import dev.duet.controller.RequestLimits;
import dev.duet.protocol.Ed25519KeyPair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A controller for the state-read benchmark (bench/state-benchmark.sh): a CVM that ran COMMANDS
 * commands and went in-service, written with the controller's own code ({@link HistoryFixture}),
 * served on loopback until killed. The default limits allow 32 connections and 2 heavy reads per
 * source; a load tool on one machine is one source, so this server raises exactly those two
 * limits (to 256 connections and 64 heavy reads per source, 64 at once) and nothing else. It
 * writes its URL and the CVM's id to DIR/server.txt once it listens.
 */
public final class StateReadServer {
    private StateReadServer() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of(args[0]));
        int commands = Integer.parseInt(args[1]);
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        Path data = dir.resolve("data");
        String cvm = HistoryFixture.adoptedCvm(data, List.of(owner.publicKey()), commands, true);
        RequestLimits limits = RequestLimits.defaults().withConnections(4096, 256).withHeavyReads(64, 64);
        Controller controller = Controller.open(ControllerConfig.defaults(data, List.of()).withLimits(limits));
        ControllerServer server = ControllerServer.start(controller, "127.0.0.1", 0);
        Path ready = dir.resolve("server.txt");
        Files.writeString(dir.resolve("server.tmp"), "http://127.0.0.1:" + server.port() + " " + cvm + "\n");
        Files.move(dir.resolve("server.tmp"), ready);
        Thread.currentThread().join();
    }
}
