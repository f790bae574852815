# One recipe for all the apps; docker-compose.yml passes which one:
#   docker build --build-arg PROJECT=services/intake/Intake.Api --build-arg APP=Intake.Api .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG PROJECT
WORKDIR /src
COPY . .
RUN dotnet publish "$PROJECT" -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
ARG APP
ENV APP=$APP
WORKDIR /app
COPY --from=build /app .
# Inside a container the app must listen on the container's interface; compose publishes only the gateway,
# and only on the host's loopback.
ENV Urls=http://0.0.0.0:8080
EXPOSE 8080
USER $APP_UID
ENTRYPOINT ["sh", "-c", "exec dotnet \"$APP.dll\""]
