using System.Text;
using System.Text.Encodings.Web;
using Identity.Api.Data;
using Identity.Api.Domain;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;

namespace Identity.Api.Endpoints;

/// <summary>
/// The sign-in pages: plain server-rendered HTML forms, every control labelled, nothing loaded from elsewhere. They
/// are public (AllowAnonymous) and protect themselves: antiforgery on every POST, lock-out after repeated failures, and
/// a return URL that may only point back into this site.
/// </summary>
public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account").AllowAnonymous().ExcludeFromDescription().DisableAntiforgery();
        account.MapGet("/login", (HttpContext http, IAntiforgery antiforgery, string? returnUrl) =>
            Html(LoginForm(http, antiforgery, returnUrl, error: null)));
        account.MapPost("/login", SignIn);
        account.MapGet("/login/code", (HttpContext http, IAntiforgery antiforgery, string? returnUrl) =>
            Html(CodeForm(http, antiforgery, returnUrl, error: null)));
        account.MapPost("/login/code", SignInWithCode);
        account.MapGet("/2fa", SetUpTwoFactor);
        account.MapPost("/2fa", ConfirmTwoFactor);
        account.MapGet("/invitation", (HttpContext http, IAntiforgery antiforgery, Guid? user, string? token) =>
            Html(NewPasswordForm(http, antiforgery, "/account/invitation", "Choose your password", user, token, error: null)));
        account.MapPost("/invitation", (HttpContext http, IAntiforgery antiforgery, UserManager<User> users, AuditTrail audit) =>
            SetPassword(http, antiforgery, users, audit, invitation: true));
        account.MapGet("/forgot", (HttpContext http, IAntiforgery antiforgery) => Html(ForgotForm(http, antiforgery, sent: false)));
        account.MapPost("/forgot", Forgot);
        account.MapGet("/reset", (HttpContext http, IAntiforgery antiforgery, Guid? user, string? token) =>
            Html(NewPasswordForm(http, antiforgery, "/account/reset", "Choose a new password", user, token, error: null)));
        account.MapPost("/reset", (HttpContext http, IAntiforgery antiforgery, UserManager<User> users, AuditTrail audit) =>
            SetPassword(http, antiforgery, users, audit, invitation: false));
        // Staff's external provider (Identity:External): challenge there, come back, sign in as the staff user with that email.
        account.MapGet("/external", (string? returnUrl) => Results.Challenge(
            new AuthenticationProperties { RedirectUri = $"/account/external/done?returnUrl={Uri.EscapeDataString(Local(returnUrl))}" },
            [ExternalProviderOptions.Scheme]));
        account.MapGet("/external/done", ExternalDone);
        account.MapGet("/signed-out", () => Html(Page("Signed out", "<p>You are signed out.</p>")));
        // Where a sign-in without an app to go back to ends (someone opened /account/login by hand).
        account.MapGet("/signed-in", async (HttpContext http, UserManager<User> users) => await SignedInAsync(http, users) is { } user
            ? Html(Page("Signed in", $"<p>You are signed in as {E(user.DisplayName)} ({E(user.Email ?? "")}), {E(user.Role)}.</p>"))
            : Results.Redirect("/account/login"));
        return app;
    }

    private static async Task<IResult> SignIn(HttpContext http, IAntiforgery antiforgery, SignInManager<User> signIn, AuditTrail audit)
    {
        if (!await antiforgery.IsRequestValidAsync(http)) return Html(Page("Sign in", "<p>The form expired: reload the page.</p>"), 400);
        var form = await http.Request.ReadFormAsync();
        var email = form["email"].ToString().Trim();
        var returnUrl = Local(form["returnUrl"]);
        var user = await signIn.UserManager.FindByEmailAsync(email);

        var result = user is null
            ? Microsoft.AspNetCore.Identity.SignInResult.Failed
            : await signIn.PasswordSignInAsync(user, form["password"].ToString(), isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            await audit.WriteAsync(AuditKind.SignedIn, user, email, "password");
            return Results.Redirect(returnUrl);
        }
        if (result.RequiresTwoFactor) return Results.Redirect($"/account/login/code?returnUrl={Uri.EscapeDataString(returnUrl)}");
        if (result.IsLockedOut)
        {
            await audit.WriteAsync(AuditKind.LockedOut, user, email);
            return Html(LoginForm(http, antiforgery, returnUrl, "Too many failed attempts: this account is locked for a while. Try again later."), 403);
        }
        await audit.WriteAsync(AuditKind.SignInFailed, user, email, user is null ? "unknown email" : "wrong password");
        // The same words whether the address is unknown or the password wrong: no probing for accounts.
        return Html(LoginForm(http, antiforgery, returnUrl, "The email address or password is not right."), 401);
    }

    /// <summary>
    /// The one-time link of an invitation or a reset: sets the password. Invitation tokens are made for the "invitation"
    /// purpose, reset tokens for password reset; neither opens the other, and either stops working once used.
    /// </summary>
    private static async Task<IResult> SetPassword(HttpContext http, IAntiforgery antiforgery, UserManager<User> users, AuditTrail audit, bool invitation)
    {
        var action = invitation ? "/account/invitation" : "/account/reset";
        var title = invitation ? "Choose your password" : "Choose a new password";
        if (!await antiforgery.IsRequestValidAsync(http)) return Html(Page(title, "<p>The form expired: reload the page.</p>"), 400);
        var form = await http.Request.ReadFormAsync();
        var token = form["token"].ToString();
        var user = Guid.TryParse(form["user"], out var id) ? await users.FindByIdAsync(id.ToString()) : null;
        var password = form["password"].ToString();
        if (password != form["confirm"].ToString())
            return Html(NewPasswordForm(http, antiforgery, action, title, id, token, "The two passwords differ."), 400);

        var invalid = IdentityResult.Failed(new IdentityError { Code = "InvalidToken", Description = "This link is not valid." });
        IdentityResult result;
        if (user is null) result = invalid;
        else if (invitation)
        {
            result = !await users.HasPasswordAsync(user) && await users.VerifyUserTokenAsync(user, TokenOptions.DefaultProvider, UserEndpoints.InvitationPurpose, token)
                ? await users.AddPasswordAsync(user, password) // changes the security stamp: the link is spent
                : invalid;
            if (result.Succeeded)
            {
                user.EmailConfirmed = true; // the mail reached them
                await users.UpdateAsync(user);
            }
        }
        else result = await users.ResetPasswordAsync(user, token, password);

        if (!result.Succeeded)
        {
            return Html(result.Errors.Any(e => e.Code == "InvalidToken")
                ? Page(title, """<p role="alert">This link is not valid: it was used already, or is more than a day old. Ask for a new one.</p>""")
                : NewPasswordForm(http, antiforgery, action, title, id, token, string.Join(" ", result.Errors.Select(e => e.Description))), 400);
        }
        await users.ResetAccessFailedCountAsync(user!);
        await audit.WriteAsync(AuditKind.PasswordSet, user, user!.UserName, invitation ? "invitation accepted" : "password reset by email");
        return Html(Page(title, """<p>Your password is set. <a href="/account/login">Sign in</a>.</p>"""));
    }

    /// <summary>Mails a reset link when the address has an account; answers the same either way (no probing for accounts).</summary>
    private static async Task<IResult> Forgot(HttpContext http, IAntiforgery antiforgery, UserManager<User> users, Mailer mailer, AuditTrail audit,
        Microsoft.Extensions.Options.IOptions<IdentityProviderOptions> options, CancellationToken cancellationToken)
    {
        if (!await antiforgery.IsRequestValidAsync(http)) return Html(Page("Forgot your password", "<p>The form expired: reload the page.</p>"), 400);
        var form = await http.Request.ReadFormAsync(cancellationToken);
        var email = form["email"].ToString().Trim();
        if (email.Length > 0 && await users.FindByEmailAsync(email) is { } user && await users.HasPasswordAsync(user))
        {
            var token = await users.GeneratePasswordResetTokenAsync(user);
            var link = $"{options.Value.Issuer}account/reset?user={user.Id}&token={Uri.EscapeDataString(token)}";
            await mailer.SendAsync(user.Email!, "Reset your ServiceDesk password",
                $"Hello {user.DisplayName},\n\nsomeone asked to reset your ServiceDesk password. If it was you, choose a new one here (the link works once, within a day):\n\n{link}\n\nIf it was not you, ignore this message: your password stays as it is.\n",
                cancellationToken);
            await audit.WriteAsync(AuditKind.PasswordResetRequested, user, email, cancellationToken: cancellationToken);
        }
        return Html(ForgotForm(http, antiforgery, sent: true));
    }

    private static async Task<IResult> SignInWithCode(HttpContext http, IAntiforgery antiforgery, SignInManager<User> signIn, AuditTrail audit)
    {
        if (!await antiforgery.IsRequestValidAsync(http)) return Html(Page("Sign in", "<p>The form expired: reload the page.</p>"), 400);
        var form = await http.Request.ReadFormAsync();
        var returnUrl = Local(form["returnUrl"]);
        var user = await signIn.GetTwoFactorAuthenticationUserAsync();
        if (user is null) return Results.Redirect($"/account/login?returnUrl={Uri.EscapeDataString(returnUrl)}");

        var code = form["code"].ToString().Replace(" ", "", StringComparison.Ordinal);
        var result = await signIn.TwoFactorAuthenticatorSignInAsync(code, isPersistent: false, rememberClient: false);
        if (result.Succeeded)
        {
            await audit.WriteAsync(AuditKind.SignedIn, user, user.UserName, "password and authenticator code");
            return Results.Redirect(returnUrl);
        }
        await audit.WriteAsync(result.IsLockedOut ? AuditKind.LockedOut : AuditKind.TwoFactorFailed, user, user.UserName);
        return result.IsLockedOut
            ? Html(LoginForm(http, antiforgery, returnUrl, "Too many failed attempts: this account is locked for a while."), 403)
            : Html(CodeForm(http, antiforgery, returnUrl, "That code is not right, or has expired."), 401);
    }

    /// <summary>Staff must add an authenticator app before they get a token (ADR 26): the key to type or scan.</summary>
    private static async Task<IResult> SetUpTwoFactor(HttpContext http, IAntiforgery antiforgery, UserManager<User> users, string? returnUrl)
    {
        var user = await SignedInAsync(http, users);
        if (user is null) return Results.Redirect($"/account/login?returnUrl={Uri.EscapeDataString(http.Request.Path + http.Request.QueryString)}");
        var key = await users.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrEmpty(key))
        {
            await users.ResetAuthenticatorKeyAsync(user);
            key = await users.GetAuthenticatorKeyAsync(user);
        }
        return Html(TwoFactorForm(http, antiforgery, Local(returnUrl), user, key!, error: null));
    }

    private static async Task<IResult> ConfirmTwoFactor(HttpContext http, IAntiforgery antiforgery, UserManager<User> users,
        SignInManager<User> signIn, AuditTrail audit)
    {
        if (!await antiforgery.IsRequestValidAsync(http)) return Html(Page("Set up", "<p>The form expired: reload the page.</p>"), 400);
        var user = await SignedInAsync(http, users);
        if (user is null) return Results.Redirect("/account/login");
        var form = await http.Request.ReadFormAsync();
        var returnUrl = Local(form["returnUrl"]);
        var code = form["code"].ToString().Replace(" ", "", StringComparison.Ordinal);
        if (!await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, code))
        {
            await audit.WriteAsync(AuditKind.TwoFactorFailed, user, user.UserName, "while setting up");
            return Html(TwoFactorForm(http, antiforgery, returnUrl, user, (await users.GetAuthenticatorKeyAsync(user))!, "That code is not right: check the clock of your phone."), 400);
        }
        await users.SetTwoFactorEnabledAsync(user, true);
        await signIn.RefreshSignInAsync(user);
        await audit.WriteAsync(AuditKind.SignedIn, user, user.UserName, "authenticator app set up");
        return Results.Redirect(returnUrl);
    }

    private static async Task<User?> SignedInAsync(HttpContext http, UserManager<User> users)
    {
        var cookie = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        return cookie.Succeeded ? await users.GetUserAsync(cookie.Principal) : null;
    }

    /// <summary>
    /// Back from the external provider: its account signs in as the staff user with the same verified email. Client roles
    /// never sign in this way (they are bound to a contact by invitation), and nobody is created. The provider stands for
    /// the second factor, as the MSP's own directory enforces it.
    /// </summary>
    private static async Task<IResult> ExternalDone(HttpContext http, IAntiforgery antiforgery, SignInManager<User> signIn, AuditTrail audit,
        string? returnUrl)
    {
        var external = await http.AuthenticateAsync(IdentityConstants.ExternalScheme);
        await http.SignOutAsync(IdentityConstants.ExternalScheme);
        var principal = external.Principal;
        var email = principal?.FindFirst("email")?.Value;
        var verified = principal?.FindFirst("email_verified")?.Value is null or "true" or "True";
        var user = email is null || !verified ? null : await signIn.UserManager.FindByEmailAsync(email);
        if (user is null || !ServiceDesk.Platform.Roles.Staff.Concat([ServiceDesk.Platform.Roles.Billing]).Contains(user.Role))
        {
            await audit.WriteAsync(AuditKind.SignInFailed, user, email ?? "(no email)", "external: no staff account with this email");
            return Html(LoginForm(http, antiforgery, returnUrl, "That account is not a staff account here. Sign in with your email address and password."), 403);
        }
        if (await signIn.UserManager.IsLockedOutAsync(user))
        {
            await audit.WriteAsync(AuditKind.LockedOut, user, email!);
            return Html(LoginForm(http, antiforgery, returnUrl, "Too many failed attempts: this account is locked for a while. Try again later."), 403);
        }
        await signIn.SignInAsync(user, isPersistent: false, ExternalProviderOptions.Scheme);
        await audit.WriteAsync(AuditKind.SignedIn, user, email!, "external provider");
        return Results.Redirect(Local(returnUrl));
    }

    /// <summary>Only a path on this site: an absolute or protocol-relative URL would make the sign-in page an open redirect.</summary>
    private static string Local(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            ? url : "/account/signed-in";

    private static string LoginForm(HttpContext http, IAntiforgery antiforgery, string? returnUrl, string? error) => Page("Sign in", $"""
        {Error(error)}
        <form method="post" action="/account/login">
          {Token(http, antiforgery)}
          <input type="hidden" name="returnUrl" value="{E(Local(returnUrl))}">
          <p><label for="email">Email address</label><input id="email" name="email" type="email" autocomplete="username" required autofocus></p>
          <p><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required></p>
          <p><button type="submit">Sign in</button></p>
        </form>
        <p><a href="/account/forgot">Forgot your password?</a></p>
        {ExternalLink(http, returnUrl)}
        """);

    /// <summary>Staff's external provider, when Identity:External is configured.</summary>
    private static string ExternalLink(HttpContext http, string? returnUrl) =>
        http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<IdentityProviderOptions>>().Value.External is { } external
            ? $"""<p><a href="/account/external?returnUrl={E(Uri.EscapeDataString(Local(returnUrl)))}">Staff: sign in with {E(external.DisplayName)}</a></p>"""
            : "";

    private static string NewPasswordForm(HttpContext http, IAntiforgery antiforgery, string action, string title, Guid? user, string? token, string? error) =>
        Page(title, $"""
        {Error(error)}
        <form method="post" action="{E(action)}">
          {Token(http, antiforgery)}
          <input type="hidden" name="user" value="{E(user?.ToString() ?? "")}">
          <input type="hidden" name="token" value="{E(token ?? "")}">
          <p><label for="password">New password (12 characters or more)</label>
             <input id="password" name="password" type="password" autocomplete="new-password" minlength="12" required autofocus></p>
          <p><label for="confirm">The same password again</label>
             <input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="12" required></p>
          <p><button type="submit">Set password</button></p>
        </form>
        """);

    private static string ForgotForm(HttpContext http, IAntiforgery antiforgery, bool sent) => Page("Forgot your password", sent
        ? """<p role="status">If that address has an account, a link to choose a new password is on its way. It works once, within a day.</p>"""
        : $"""
        <form method="post" action="/account/forgot">
          {Token(http, antiforgery)}
          <p><label for="email">Email address</label><input id="email" name="email" type="email" autocomplete="username" required autofocus></p>
          <p><button type="submit">Mail me a link</button></p>
        </form>
        """);

    private static string CodeForm(HttpContext http, IAntiforgery antiforgery, string? returnUrl, string? error) => Page("Authenticator code", $"""
        {Error(error)}
        <form method="post" action="/account/login/code">
          {Token(http, antiforgery)}
          <input type="hidden" name="returnUrl" value="{E(Local(returnUrl))}">
          <p><label for="code">The 6-digit code from your authenticator app</label>
             <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{"{"}6,7{"}"}" required autofocus></p>
          <p><button type="submit">Sign in</button></p>
        </form>
        """);

    private static string TwoFactorForm(HttpContext http, IAntiforgery antiforgery, string returnUrl, User user, string key, string? error)
    {
        var uri = $"otpauth://totp/ServiceDesk:{Uri.EscapeDataString(user.Email ?? user.UserName!)}?secret={key}&issuer=ServiceDesk&digits=6";
        return Page("Set up your authenticator app", $"""
            {Error(error)}
            <p>Your role sees several clients' data, so signing in needs a code from an authenticator app as well as your password.</p>
            <p>Add this key to the app (or open the link on your phone): <code id="key">{E(key)}</code></p>
            <p><a href="{E(uri)}">{E(uri)}</a></p>
            <form method="post" action="/account/2fa">
              {Token(http, antiforgery)}
              <input type="hidden" name="returnUrl" value="{E(returnUrl)}">
              <p><label for="code">The 6-digit code the app shows now</label>
                 <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus></p>
              <p><button type="submit">Turn on</button></p>
            </form>
            """);
    }

    private static string Token(HttpContext http, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        return $"""<input type="hidden" name="{E(tokens.FormFieldName)}" value="{E(tokens.RequestToken!)}">""";
    }

    private static string Error(string? error) => error is null ? "" : $"""<p role="alert" id="error">{E(error)}</p>""";

    /// <summary>
    /// Every account page, in the portal's look: its stylesheet comes from the same origin through the gateway, which
    /// allows this one style source on /account. Reached directly (no gateway), the page is plain but works the same.
    /// </summary>
    private static string Page(string title, string body) => $"""
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{E(title)} · ServiceDesk</title>
        <link rel="stylesheet" href="/portal/portal.css"></head>
        <body><header class="banner"><p class="brand">ServiceDesk</p></header>
        <main class="account"><h1>{E(title)}</h1>
        {body}
        </main></body>
        </html>
        """;

    private static string E(string value) => HtmlEncoder.Default.Encode(value);

    private static IResult Html(string html, int status = 200) => Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
}
