//! Sending what a recipient reads: email through Amazon SES v2, SMS through
//! Amazon SNS or Tencent Cloud SMS, as each app's settings choose. The SDK
//! clients find local emulators through `AWS_ENDPOINT_URL_SESV2` and
//! `AWS_ENDPOINT_URL_SNS`; nothing here knows whether one is in use.

pub mod tencent;

use aws_config::SdkConfig;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message as SesMessage};
use aws_sdk_sns::types::MessageAttributeValue;

pub use tencent::{TencentCredentials, TencentSms};

use crate::domain::verification::{Channel, Code, CodePolicy, Message, Recipient, SmsProvider};
use crate::domain::{App, Error};

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The app or deployment lacks a setting the channel needs.
    #[error("{0}")]
    NotConfigured(String),
    /// The provider refused or did not answer.
    #[error("{0}")]
    Failed(String),
}

impl From<DeliveryError> for Error {
    fn from(err: DeliveryError) -> Self {
        match err {
            DeliveryError::NotConfigured(what) => {
                tracing::error!(%what, "verification message not configured");
                Error::upstream(format!("This app cannot send verification codes yet: {what}."))
            }
            DeliveryError::Failed(cause) => {
                tracing::warn!(%cause, "verification message not delivered");
                Error::upstream("The message could not be sent; try again in a moment.")
            }
        }
    }
}

/// What one message carries, for providers that send templates (Tencent)
/// rather than text: the code and its minutes, if it is a code.
pub struct Outgoing<'a> {
    pub message: &'a Message,
    pub code: Option<(&'a Code, CodePolicy)>,
}

/// The deployment's senders, built once per cold start.
#[derive(Clone)]
pub struct Delivery {
    email: aws_sdk_sesv2::Client,
    sns: aws_sdk_sns::Client,
    tencent: TencentSms,
    /// `EMAIL_SENDER`, for apps that name no sender of their own.
    default_sender: Option<String>,
}

impl Delivery {
    pub fn new(sdk: &SdkConfig, tencent: TencentSms, default_sender: Option<String>) -> Self {
        Self::from_clients(
            aws_sdk_sesv2::Client::new(sdk),
            aws_sdk_sns::Client::new(sdk),
            tencent,
            default_sender,
        )
    }

    /// The senders over clients configured elsewhere (the tests' emulators).
    pub fn from_clients(
        email: aws_sdk_sesv2::Client,
        sns: aws_sdk_sns::Client,
        tencent: TencentSms,
        default_sender: Option<String>,
    ) -> Self {
        Self {
            email,
            sns,
            tencent,
            default_sender,
        }
    }

    /// Sends `outgoing` to `recipient` the way `app` sends its messages.
    pub async fn send(
        &self,
        app: &App,
        recipient: &Recipient,
        outgoing: Outgoing<'_>,
    ) -> Result<(), DeliveryError> {
        match recipient.channel() {
            Channel::Email => self.email(app, recipient, outgoing.message).await,
            Channel::Sms => match app.verification.sms_provider {
                SmsProvider::Sns => self.sns(app, recipient, outgoing.message).await,
                SmsProvider::Tencent => self.tencent.send(app, recipient, outgoing).await,
            },
        }
    }

    async fn email(&self, app: &App, recipient: &Recipient, message: &Message) -> Result<(), DeliveryError> {
        let sender = app
            .verification
            .email_sender
            .as_ref()
            .or(self.default_sender.as_ref())
            .ok_or_else(|| {
                DeliveryError::NotConfigured("no email sender is set (apps set --email-sender)".into())
            })?;
        let content = |data: &str| {
            Content::builder()
                .data(data)
                .charset("UTF-8")
                .build()
                .map_err(|err| DeliveryError::Failed(err.to_string()))
        };
        let email = EmailContent::builder()
            .simple(
                SesMessage::builder()
                    .subject(content(&message.subject)?)
                    .body(Body::builder().text(content(&message.text)?).build())
                    .build(),
            )
            .build();
        self.email
            .send_email()
            .from_email_address(sender)
            .destination(Destination::builder().to_addresses(recipient.address()).build())
            .content(email)
            .send()
            .await
            .map_err(|err| {
                DeliveryError::Failed(format!(
                    "SES SendEmail: {}",
                    aws_sdk_sesv2::error::DisplayErrorContext(err)
                ))
            })?;
        Ok(())
    }

    async fn sns(&self, app: &App, recipient: &Recipient, message: &Message) -> Result<(), DeliveryError> {
        let attribute = |value: &str| {
            MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .map_err(|err| DeliveryError::Failed(err.to_string()))
        };
        // Transactional: delivered first and retried, as codes need.
        let mut publish = self
            .sns
            .publish()
            .phone_number(recipient.address())
            .message(&message.text)
            .message_attributes("AWS.SNS.SMS.SMSType", attribute("Transactional")?);
        if let Some(sign_name) = &app.verification.sms_sign_name {
            publish = publish.message_attributes("AWS.SNS.SMS.SenderID", attribute(sign_name)?);
        }
        publish.send().await.map_err(|err| {
            DeliveryError::Failed(format!(
                "SNS Publish: {}",
                aws_sdk_sns::error::DisplayErrorContext(err)
            ))
        })?;
        Ok(())
    }
}
