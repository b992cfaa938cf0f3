package dev.duet.controller;

/** A registered owner key that signed the current request. Only the authenticator creates one. */
public record OwnerId(String keyId) {
    public String actor() {
        return "owner:" + keyId;
    }
}
