// The Security pages: print the recovery codes; show a passkey once it is added.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
document.addEventListener("otp_webauthn.register_complete", () => window.location.reload());
